"""The voting round's one state machine: draft → proposals → review → voting → counting → published."""

from __future__ import annotations

import enum

from commonpot.i18n import _, lazy_gettext
from commonpot.refusals import Refused


class RoundState(enum.StrEnum):
    DRAFT = "draft"
    PROPOSALS = "proposals"
    REVIEW = "review"
    VOTING = "voting"
    COUNTING = "counting"
    PUBLISHED = "published"


LABELS = {
    RoundState.DRAFT: lazy_gettext("Draft"),
    RoundState.PROPOSALS: lazy_gettext("Taking proposals"),
    RoundState.REVIEW: lazy_gettext("Checking proposals"),
    RoundState.VOTING: lazy_gettext("Voting open"),
    RoundState.COUNTING: lazy_gettext("Voting closed: counting"),
    RoundState.PUBLISHED: lazy_gettext("Results published"),
}

# Each phase moves forward to exactly one next phase; nothing moves back, because ballots
# and published results must never be reopened.
TRANSITIONS: dict[RoundState, RoundState] = {
    RoundState.DRAFT: RoundState.PROPOSALS,
    RoundState.PROPOSALS: RoundState.REVIEW,
    RoundState.REVIEW: RoundState.VOTING,
    RoundState.VOTING: RoundState.COUNTING,
    RoundState.COUNTING: RoundState.PUBLISHED,
}

ACTION_LABELS = {
    RoundState.PROPOSALS: lazy_gettext("Open for proposals"),
    RoundState.REVIEW: lazy_gettext("Close proposals and start review"),
    RoundState.VOTING: lazy_gettext("Open voting"),
    RoundState.COUNTING: lazy_gettext("Close voting and count"),
    RoundState.PUBLISHED: lazy_gettext("Publish the results"),
}


# Before voting opens: the rules, districts and postcodes may still change.
SETUP_STATES = frozenset({RoundState.DRAFT, RoundState.PROPOSALS, RoundState.REVIEW})
# Voting codes can be made until counting starts.
CODE_STATES = frozenset(RoundState) - {RoundState.COUNTING, RoundState.PUBLISHED}


class IllegalRoundTransition(Refused, ValueError):
    def __init__(self, current: RoundState, target: RoundState):
        super().__init__(_("A round that is “%(current)s” cannot move to “%(target)s”.",
                           current=LABELS[current], target=LABELS[target]))
        self.current = current
        self.target = target


def check_transition(current: RoundState, target: RoundState) -> None:
    if TRANSITIONS.get(current) != target:
        raise IllegalRoundTransition(current, target)


def next_state(current: RoundState) -> RoundState | None:
    return TRANSITIONS.get(current)
