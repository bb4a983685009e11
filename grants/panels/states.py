"""Panel state machines: a reviewer's score sheet, and the outcome a decision records."""

from __future__ import annotations

import enum

from commonpot.i18n import _
from commonpot.i18n import lazy_gettext as _l
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
        super().__init__(_("A score sheet cannot move from %(current)s to %(target)s.",
                           current=current, target=target))


def check_review_transition(current: ReviewStatus, target: ReviewStatus) -> None:
    if ReviewStatus(target) not in REVIEW_TRANSITIONS[ReviewStatus(current)]:
        raise ReviewTransitionError(current, target)


class Recommendation(enum.StrEnum):
    FUND = "fund"
    MAYBE = "maybe"
    DO_NOT_FUND = "do_not_fund"

    @property
    def label(self) -> str:
        return {"fund": _l("Fund"), "maybe": _l("Maybe"), "do_not_fund": _l("Do not fund")}[self.value]


class PanelRole(enum.StrEnum):
    CHAIR = "chair"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return _l("Chair") if self is PanelRole.CHAIR else _l("Panel member")


class ConflictReason(enum.StrEnum):
    GROUP_MEMBER = "group_member"
    FAMILY = "family"
    EMPLOYER = "employer"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "group_member": _l("I am a member of the group"),
            "family": _l("A family member is involved"),
            "employer": _l("My employer is involved"),
            "other": _l("Another reason"),
        }[self.value]


class Outcome(enum.StrEnum):
    AWARD = "award"
    DECLINE = "decline"
    RESERVE = "reserve"

    @property
    def label(self) -> str:
        return {"award": _l("Award"), "decline": _l("Decline"), "reserve": _l("Reserve list")}[self.value]
