"""Panel state machines: a reviewer's score sheet, and the outcome a decision records."""

from __future__ import annotations

import enum

from commonpot.refusals import Refused


class ReviewStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


# Submitting locks the sheet; only the chair's reopen (with a reason) moves it back.
REVIEW_TRANSITIONS: dict[ReviewStatus, frozenset[ReviewStatus]] = {
    ReviewStatus.DRAFT: frozenset({ReviewStatus.SUBMITTED}),
    ReviewStatus.SUBMITTED: frozenset({ReviewStatus.DRAFT}),
}


class ReviewLocked(Exception):
    """The reviewer tried to change a submitted score sheet."""


class ReviewTransitionError(Refused):
    def __init__(self, current, target):
        super().__init__(f"A score sheet cannot move from {current} to {target}.")


def check_review_transition(current: ReviewStatus, target: ReviewStatus) -> None:
    if ReviewStatus(target) not in REVIEW_TRANSITIONS[ReviewStatus(current)]:
        raise ReviewTransitionError(current, target)


class Recommendation(enum.StrEnum):
    FUND = "fund"
    MAYBE = "maybe"
    DO_NOT_FUND = "do_not_fund"

    @property
    def label(self) -> str:
        return {"fund": "Fund", "maybe": "Maybe", "do_not_fund": "Do not fund"}[self.value]


class PanelRole(enum.StrEnum):
    CHAIR = "chair"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return "Chair" if self is PanelRole.CHAIR else "Panel member"


class ConflictReason(enum.StrEnum):
    GROUP_MEMBER = "group_member"
    FAMILY = "family"
    EMPLOYER = "employer"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "group_member": "I am a member of the group",
            "family": "A family member is involved",
            "employer": "My employer is involved",
            "other": "Another reason",
        }[self.value]


class Outcome(enum.StrEnum):
    AWARD = "award"
    DECLINE = "decline"
    RESERVE = "reserve"

    @property
    def label(self) -> str:
        return {"award": "Award", "decline": "Decline", "reserve": "Reserve list"}[self.value]
