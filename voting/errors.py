"""How voting operations refuse: the voting domain's `Refused` types."""

from __future__ import annotations

from commonpot.refusals import Refused


class VotingError(Refused, ValueError):
    """A rule of the vote was broken; the message says what to do."""


class NotEligible(VotingError):
    pass


class AlreadyVoted(VotingError):
    pass


class CodeRefused(VotingError):
    pass


