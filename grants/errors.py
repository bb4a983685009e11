"""How grants operations refuse: the grants domain's `Refused` types."""

from __future__ import annotations

from commonpot.refusals import Refused


class GrantsError(Refused, ValueError):
    """A rule refused the action; `field` names the form field it concerns, if any."""


class ValidationFailed(GrantsError):
    """Several problems at once: {field: message}."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("There are problems with the application.")
        self.problems = problems


