"""The voting round's one state machine: draft → proposals → review → voting → counting → published."""

from __future__ import annotations

import enum

from commonpot.refusals import Refused


class RoundState(enum.StrEnum):
    DRAFT = "draft"
    PROPOSALS = "proposals"
    REVIEW = "review"
    VOTING = "voting"
    COUNTING = "counting"
    PUBLISHED = "published"


LABELS = {
    RoundState.DRAFT: "Draft",
    RoundState.PROPOSALS: "Taking proposals",
    RoundState.REVIEW: "Checking proposals",
    RoundState.VOTING: "Voting open",
    RoundState.COUNTING: "Voting closed: counting",
    RoundState.PUBLISHED: "Results published",
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
    RoundState.PROPOSALS: "Open for proposals",
    RoundState.REVIEW: "Close proposals and start review",
    RoundState.VOTING: "Open voting",
    RoundState.COUNTING: "Close voting and count",
    RoundState.PUBLISHED: "Publish the results",
}


class IllegalRoundTransition(Refused, ValueError):
    def __init__(self, current: RoundState, target: RoundState):
        super().__init__(f"A round that is “{LABELS[current]}” cannot move to “{LABELS[target]}”.")
        self.current = current
        self.target = target


def check_transition(current: RoundState, target: RoundState) -> None:
    if TRANSITIONS.get(current) != target:
        raise IllegalRoundTransition(current, target)


def next_state(current: RoundState) -> RoundState | None:
    return TRANSITIONS.get(current)
