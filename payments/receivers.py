"""How payments takes part in grants operations: the receivers of grants' signals.

Imported by the app factory and the CLI (the composition files), so the ledger follows every
release of awards in the same transaction."""

from __future__ import annotations

from commonpot.i18n import _
from grants.panels.errors import PanelError
from grants.signals import awards_released
from payments import ledger


@awards_released.connect
def commit_released_award(award, *, session, actor, **_kwargs):
    """Set the award's money aside in the fund's ledger as the offer goes out."""
    try:
        ledger.commit_award(session, actor, award)
    except ledger.InsufficientFunds as exc:
        raise PanelError(_("Decisions not released: %(reason)s", reason=exc)) from exc
