"""The grants state machines: a round's phases and an application's status.

Each is an enum plus a transition table. `check_round_transition` and
`check_application_transition` raise a named error for a move the table does not allow;
operations call them before changing state, so no other module decides what may follow what.
"""

from __future__ import annotations

import enum

from commonpot.i18n import _, lazy_gettext
from commonpot.refusals import Refused


class GroupRole(enum.StrEnum):
    """What a person may do in a community group: admins edit it and apply for it."""

    GROUP_ADMIN = "group_admin"
    MEMBER = "member"


class AwardStatus(enum.StrEnum):
    """Where an award stands. The panels' decisions module moves it; payments reads it."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED_BY_GROUP = "declined_by_group"
    RESCINDED = "rescinded"


class RoundPhase(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    SCREENING = "screening"
    SCORING = "scoring"
    VOTING = "voting"
    DECIDING = "deciding"
    DECIDED = "decided"
    MONITORING = "monitoring"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return _PHASE_LABELS[self]


_PHASE_LABELS = {
    RoundPhase.DRAFT: lazy_gettext("Draft"),
    RoundPhase.OPEN: lazy_gettext("Open for applications"),
    RoundPhase.CLOSED: lazy_gettext("Closed"),
    RoundPhase.SCREENING: lazy_gettext("Checking eligibility"),
    RoundPhase.SCORING: lazy_gettext("Panel scoring"),
    RoundPhase.VOTING: lazy_gettext("Public vote"),
    RoundPhase.DECIDING: lazy_gettext("Deciding"),
    RoundPhase.DECIDED: lazy_gettext("Decided"),
    RoundPhase.MONITORING: lazy_gettext("Monitoring"),
    RoundPhase.ARCHIVED: lazy_gettext("Archived"),
}

# Voting is optional: scoring may go straight to deciding. A closed round may be reopened
# (a closing date extended by mistake-correction) but nothing goes back once screening starts.
ROUND_TRANSITIONS: dict[RoundPhase, frozenset[RoundPhase]] = {
    RoundPhase.DRAFT: frozenset({RoundPhase.OPEN}),
    RoundPhase.OPEN: frozenset({RoundPhase.CLOSED}),
    RoundPhase.CLOSED: frozenset({RoundPhase.OPEN, RoundPhase.SCREENING}),
    RoundPhase.SCREENING: frozenset({RoundPhase.SCORING}),
    RoundPhase.SCORING: frozenset({RoundPhase.VOTING, RoundPhase.DECIDING}),
    RoundPhase.VOTING: frozenset({RoundPhase.DECIDING}),
    RoundPhase.DECIDING: frozenset({RoundPhase.DECIDED}),
    RoundPhase.DECIDED: frozenset({RoundPhase.MONITORING}),
    RoundPhase.MONITORING: frozenset({RoundPhase.ARCHIVED}),
    RoundPhase.ARCHIVED: frozenset(),
}

# Phases in which the public may see a round at all.
PUBLISHED_PHASES = frozenset(RoundPhase) - {RoundPhase.DRAFT}
# Phases after which decisions are made: withdrawal is no longer possible from here.
DECISION_PHASES = frozenset({RoundPhase.DECIDING, RoundPhase.DECIDED, RoundPhase.MONITORING,
                             RoundPhase.ARCHIVED})


def _in_words(value) -> str:
    return str(getattr(value, "label", value))


class IllegalTransition(Refused):
    """A state change the transition table does not allow (or a guard refuses), said with
    the states' labels, never their codes."""

    def __init__(self, kind: str, current, target, reason: str | None = None,
                 details: tuple[str, ...] | list[str] = ()):
        self.kind = kind
        self.current = current
        self.target = target
        self.reason = reason
        # One whole sentence per kind, so a translation can reorder it (see I18N_NOTES.md);
        # states are named by their labels, never their codes.
        if kind == "round":
            message = _("This round cannot move from “%(current)s” to “%(target)s”.",
                        current=_in_words(current), target=_in_words(target))
        elif kind == "application":
            message = _("This application cannot move from “%(current)s” to “%(target)s”.",
                        current=_in_words(current), target=_in_words(target))
        else:
            message = _("This cannot move from “%(current)s” to “%(target)s”.",
                        current=_in_words(current), target=_in_words(target))
        super().__init__(_("%(message)s %(reason)s", message=message, reason=reason) if reason
                         else message, details=details)


class RoundTransitionError(IllegalTransition):
    def __init__(self, current, target, reason: str | None = None,
                 details: tuple[str, ...] | list[str] = ()):
        super().__init__("round", current, target, reason, details)


class RoundNotReady(RoundTransitionError):
    """A draft round that is not ready to open; `details` lists what is missing."""

    def __init__(self, current, missing: list[str]):
        super().__init__(current, RoundPhase.OPEN, _("It is not ready to open yet:"), missing)
        self.missing = list(missing)


class ApplicationTransitionError(IllegalTransition):
    def __init__(self, current, target, reason: str | None = None):
        super().__init__("application", current, target, reason)


def allowed_round_targets(current: RoundPhase) -> frozenset[RoundPhase]:
    return ROUND_TRANSITIONS[RoundPhase(current)]


def check_round_transition(current: RoundPhase, target: RoundPhase) -> None:
    current, target = RoundPhase(current), RoundPhase(target)
    if target not in ROUND_TRANSITIONS[current]:
        raise RoundTransitionError(current, target)


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    # Set by the decisions module once an award (or a refusal) is made.
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    ApplicationStatus.DRAFT: lazy_gettext("Draft"),
    ApplicationStatus.SUBMITTED: lazy_gettext("Submitted"),
    ApplicationStatus.WITHDRAWN: lazy_gettext("Withdrawn"),
    ApplicationStatus.ELIGIBLE: lazy_gettext("Eligible"),
    ApplicationStatus.INELIGIBLE: lazy_gettext("Not eligible"),
    ApplicationStatus.AWARDED: lazy_gettext("Awarded"),
    ApplicationStatus.NOT_AWARDED: lazy_gettext("Not funded"),
}

APPLICATION_TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.DRAFT: frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.SUBMITTED: frozenset({ApplicationStatus.WITHDRAWN, ApplicationStatus.ELIGIBLE,
                                            ApplicationStatus.INELIGIBLE}),
    # Screening can be corrected while the round is still in screening.
    ApplicationStatus.ELIGIBLE: frozenset({ApplicationStatus.INELIGIBLE, ApplicationStatus.WITHDRAWN,
                                           ApplicationStatus.AWARDED,
                                           ApplicationStatus.NOT_AWARDED}),
    ApplicationStatus.INELIGIBLE: frozenset({ApplicationStatus.ELIGIBLE}),
    ApplicationStatus.AWARDED: frozenset({ApplicationStatus.NOT_AWARDED}),
    ApplicationStatus.NOT_AWARDED: frozenset({ApplicationStatus.AWARDED}),
    ApplicationStatus.WITHDRAWN: frozenset(),
}

# Statuses that count as "an application" for the per-group limit and for statistics.
ACTIVE_STATUSES = frozenset(ApplicationStatus) - {ApplicationStatus.WITHDRAWN}
RECEIVED_STATUSES = frozenset(ApplicationStatus) - {ApplicationStatus.DRAFT,
                                                    ApplicationStatus.WITHDRAWN}


def withdrawable(status: ApplicationStatus, phase: RoundPhase) -> bool:
    """Whether a group may still withdraw an application: its state machine allows it and
    the round has not reached its decisions."""
    return ApplicationStatus.WITHDRAWN in APPLICATION_TRANSITIONS[ApplicationStatus(status)] \
        and phase not in DECISION_PHASES


# Statuses a fund manager may (re)decide eligibility for, during screening.
SCREENABLE_STATUSES = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE,
                                 ApplicationStatus.INELIGIBLE})


def check_application_transition(current: ApplicationStatus, target: ApplicationStatus) -> None:
    current, target = ApplicationStatus(current), ApplicationStatus(target)
    if target not in APPLICATION_TRANSITIONS[current]:
        raise ApplicationTransitionError(current, target)
