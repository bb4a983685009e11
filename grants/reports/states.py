"""A report's lifecycle as an explicit state machine.

scheduled -> due (the activity has ended: the group is asked) -> reminded -> overdue;
due, reminded or overdue -> submitted -> changes requested -> submitted -> accepted.
`check_report_transition` refuses any move the table does not hold."""

from __future__ import annotations

import enum

from commonpot.i18n import _
from commonpot.i18n import lazy_gettext as _l
from commonpot.refusals import Refused


class ReportState(enum.StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"
    REMINDED = "reminded"
    OVERDUE = "overdue"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ReportState.SCHEDULED: _l("Not due yet"),
    ReportState.DUE: _l("Due"),
    ReportState.REMINDED: _l("Due (reminder sent)"),
    ReportState.OVERDUE: _l("Overdue"),
    ReportState.SUBMITTED: _l("Waiting for the fund to read it"),
    ReportState.CHANGES_REQUESTED: _l("Changes asked for"),
    ReportState.ACCEPTED: _l("Accepted"),
}

R = ReportState
REPORT_TRANSITIONS: dict[ReportState, frozenset[ReportState]] = {
    R.SCHEDULED: frozenset({R.DUE}),
    R.DUE: frozenset({R.REMINDED, R.OVERDUE, R.SUBMITTED}),
    R.REMINDED: frozenset({R.OVERDUE, R.SUBMITTED}),
    R.OVERDUE: frozenset({R.SUBMITTED}),
    R.SUBMITTED: frozenset({R.CHANGES_REQUESTED, R.ACCEPTED}),
    R.CHANGES_REQUESTED: frozenset({R.SUBMITTED}),
    R.ACCEPTED: frozenset(),
}
del R

# States in which the group may write and submit its report.
EDITABLE = frozenset({ReportState.DUE, ReportState.REMINDED, ReportState.OVERDUE,
                      ReportState.CHANGES_REQUESTED})
# States in which the report is waiting for the group (shown on its dashboard).
WAITING_FOR_GROUP = EDITABLE


class ReportTransitionError(Refused):
    """A report state change the table does not allow."""

    def __init__(self, current: ReportState, target: ReportState):
        self.current, self.target = ReportState(current), ReportState(target)
        super().__init__(_("A report that is “%(current)s” cannot become “%(target)s”.",
                           current=self.current.label, target=self.target.label))


def check_report_transition(current, target) -> None:
    current, target = ReportState(current), ReportState(target)
    if target not in REPORT_TRANSITIONS[current]:
        raise ReportTransitionError(current, target)
