"""How panel operations refuse: the panels' `Refused` types."""

from __future__ import annotations

from commonpot.refusals import Refused


class PanelError(Refused):
    """A panel rule refused the change; the message is shown to the person."""


class BudgetExceeded(PanelError):
    pass


class ConflictOfInterest(PanelError):
    pass


