"""What needs a person on "Your work", from grants: their groups' applications with the next
step of each, and, for a fund manager, the rounds waiting for them. Each is one function
with a fixed number of queries, however many rows it returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from commonpot.accounts.policy import fund_ids_with_role, is_admin
from commonpot.db import utcnow
from commonpot.i18n import _, format_date, format_money, ngettext
from grants.models import Application, GroupMembership, Round
from grants.money_figures import award_paid
from grants.reports.models import GrantReport
from grants.reports.states import ReportState
from grants.rounds import accepting_applications, missing_before_opening
from grants.states import ApplicationStatus, RoundPhase
from grants.timefmt import london


@dataclass
class ApplicationStep:
    application: Application
    next_step: str
    # Where the next step is taken: "application" (its page), "decision" (the outcome) or
    # "report" (the grant report, `report_id`).
    link: str = "application"
    report_id: int | None = None


# A report the group still has to write (or write again).
_REPORT_TO_WRITE = (ReportState.DUE, ReportState.REMINDED, ReportState.OVERDUE,
                    ReportState.CHANGES_REQUESTED)


def _awarded_step(application: Application, paid: dict[int, int] | None,
                  report: GrantReport | None) -> ApplicationStep:
    """An award's next step: the report when one is due (or sent back), else where the money
    has got to."""
    award = application.award
    if report is not None and report.state in _REPORT_TO_WRITE:
        if report.state == ReportState.CHANGES_REQUESTED:
            text = _("The fund asked for changes to your report: read what and send it again.")
        elif report.state == ReportState.OVERDUE:
            text = _("Your report was due on %(date)s: send it now.", date=format_date(report.due_on))
        else:
            text = _("Tell the fund what the grant did: your report is due by %(date)s.",
                     date=format_date(report.due_on))
        return ApplicationStep(application, text, "report", report.id)
    if award is None or paid is None:
        return ApplicationStep(application, _("Awarded: read the decision and the panel’s feedback."),
                               "decision")
    sent = paid.get(award.id, 0)
    if sent >= award.amount_pence:
        text = _("Awarded %(amount)s, all of it paid.", amount=format_money(award.amount_pence))
    else:
        text = _("Awarded %(amount)s; %(paid)s paid so far. Read the decision and the panel’s "
                 "feedback.", amount=format_money(award.amount_pence), paid=format_money(sent))
    return ApplicationStep(application, text, "decision")


def _next_step(application: Application, now: datetime, paid: dict[int, int] | None = None,
               report: GrantReport | None = None) -> ApplicationStep:
    status = ApplicationStatus(application.status)
    round_ = application.round
    if status == ApplicationStatus.DRAFT:
        if accepting_applications(round_, now):
            return ApplicationStep(application, _("Finish and submit it by %(closes)s.",
                                                  closes=london(round_.closes_at)))
        return ApplicationStep(application, _("The round has closed, so this draft can no longer be "
                                              "sent."))
    if status == ApplicationStatus.SUBMITTED:
        return ApplicationStep(application, _("Nothing to do: the fund team is checking it is "
                                              "eligible."))
    if status == ApplicationStatus.ELIGIBLE:
        return ApplicationStep(application, _("Nothing to do: the panel is considering it."))
    if status == ApplicationStatus.INELIGIBLE:
        return ApplicationStep(application, _("It is not eligible: read why."))
    if status == ApplicationStatus.AWARDED:
        return _awarded_step(application, paid, report)
    return ApplicationStep(application, _("Not funded this time: read the panel’s feedback."),
                           "decision")


def applications_next_steps(session: Session, user_id: int, now: datetime | None = None,
                            ) -> list[ApplicationStep] | None:
    """The applications of every group the person belongs to (not withdrawn), newest first,
    each with its next step; None when they belong to no group."""
    now = now or utcnow()
    group_ids = select(GroupMembership.group_id).where(GroupMembership.user_id == user_id)
    if session.scalar(select(func.count()).select_from(group_ids.subquery())) == 0:
        return None
    applications = session.scalars(
        select(Application).where(Application.group_id.in_(group_ids),
                                  Application.status != ApplicationStatus.WITHDRAWN)
        .options(selectinload(Application.round), selectinload(Application.group),
                 selectinload(Application.award))
        .order_by(Application.updated_at.desc(), Application.id.desc())).all()
    award_ids = [a.award.id for a in applications if a.award is not None]
    paid = award_paid(session, award_ids)
    reports = {r.award_id: r for r in session.scalars(
        select(GrantReport).where(GrantReport.award_id.in_(award_ids)))} if award_ids else {}
    return [_next_step(a, now, paid, reports.get(a.award.id) if a.award else None)
            for a in applications]


@dataclass
class RoundAction:
    round: Round
    action: str
    # The manager's page the action is taken on: an endpoint taking `slug`.
    endpoint: str = "grants.manage_round"


def _round_action(round_: Round, waiting: int, now: datetime) -> RoundAction | None:
    phase = round_.phase_now
    if phase == RoundPhase.DRAFT:
        missing = missing_before_opening(round_, now)
        if missing:
            return RoundAction(round_, _("Finish setting it up: %(missing)s", missing=" ".join(missing)))
        if round_.scheduled_at is None:
            return RoundAction(round_, _("It is ready: open it, or schedule it to open."))
        return None
    if phase == RoundPhase.CLOSED:
        return RoundAction(round_, _("Applications have closed: start checking eligibility."))
    if phase == RoundPhase.SCREENING:
        if waiting:
            return RoundAction(round_, ngettext("%(num)d application needs an eligibility decision.",
                                                "%(num)d applications need an eligibility decision.",
                                                waiting), "grants.manage_round_applications")
        return RoundAction(round_, _("Every application is checked: move the round to panel "
                                     "scoring."))
    if phase == RoundPhase.DECIDING:
        return RoundAction(round_, _("Record the panel’s decisions and release them."))
    return None


def rounds_needing_action(session: Session, user, now: datetime | None = None,
                          ) -> list[RoundAction] | None:
    """For a fund manager (or an admin): the rounds of their funds that wait for them, each
    with what to do; None when they manage no fund."""
    now = now or utcnow()
    query = select(Round).where(Round.phase.in_([RoundPhase.DRAFT, RoundPhase.OPEN,
                                                 RoundPhase.CLOSED, RoundPhase.SCREENING,
                                                 RoundPhase.DECIDING]))
    if not is_admin(user):
        fund_ids = fund_ids_with_role(user, "fund_manager")
        if not fund_ids:
            return None
        query = query.where(Round.fund_id.in_(fund_ids))
    rounds = session.scalars(query.options(selectinload(Round.criteria),
                                           selectinload(Round.questions))
                             .order_by(Round.closes_at, Round.id)).all()
    waiting = dict(session.execute(
        select(Application.round_id, func.count(Application.id))
        .where(Application.round_id.in_([r.id for r in rounds]),
               Application.status == ApplicationStatus.SUBMITTED)
        .group_by(Application.round_id)).all()) if rounds else {}
    actions = (_round_action(r, waiting.get(r.id, 0), now) for r in rounds)
    return [a for a in actions if a is not None]
