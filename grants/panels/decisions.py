"""Decisions: awards within the round's budget, declines with feedback, and releasing them all at
once (grants signals `awards_released`; payments commits them). Nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.accounts.models import User
from commonpot.db import utcnow
from commonpot.i18n import _, format_money, ngettext
from commonpot.mail import send_email
from grants.applications import (
    DECIDED_AWARDED,
    DECIDED_NOT_FUNDED,
    DECIDED_RESERVE,
    _timeline,
    set_application_status,
)
from grants.models import Application, Award, GroupMembership, Round
from grants.panels.conflicts import REVIEWABLE_STATUSES, is_conflicted, reviewable_applications
from grants.panels.errors import BudgetExceeded, ConflictOfInterest, PanelError
from grants.panels.members import panel_for_round
from grants.panels.models import (
    Panel,
    PanelDecision,
    Review,
)
from grants.panels.states import (
    Outcome,
    ReviewStatus,
)
from grants.signals import awards_released
from grants.states import (
    ApplicationStatus,
    AwardStatus,
    RoundPhase,
    check_round_transition,
)
from grants.timefmt import london
from grants.words import in_language, language_of

DECIDING_PHASES = frozenset({RoundPhase.SCORING, RoundPhase.VOTING, RoundPhase.DECIDING})
# The Award statuses this module writes; a rescinded award no longer counts against the budget.
AWARD_OFFERED = AwardStatus.OFFERED
AWARD_RESCINDED = AwardStatus.RESCINDED

# --- decisions ---------------------------------------------------------------------------------

def decision_for(session: Session, application_id: int) -> PanelDecision | None:
    return session.scalar(select(PanelDecision).where(PanelDecision.application_id == application_id))


def awarded_total(session: Session, round_id: int, *, excluding_application_id: int | None = None) -> int:
    query = select(func.coalesce(func.sum(Award.amount_pence), 0)).where(
        Award.round_id == round_id, Award.status != AWARD_RESCINDED)
    if excluding_application_id is not None:
        query = query.where(Award.application_id != excluding_application_id)
    return int(session.scalar(query))


def _lock_round(session: Session, round_id: int) -> Round:
    # On PostgreSQL two chairs deciding at once queue here, so each sees the other's award
    # before checking the budget. SQLite ignores FOR UPDATE and nothing here starts a
    # BEGIN IMMEDIATE transaction, so on SQLite two simultaneous deciders are not queued:
    # that guarantee holds on PostgreSQL only.
    return session.scalars(
        select(Round).where(Round.id == round_id).with_for_update()
        .execution_options(populate_existing=True)).one()


def decide_award(session: Session, actor, application: Application, amount_pence: int,
                 reason: str = "") -> Award:
    """Award money to an application, refusing anything beyond the round's budget.

    This is the one place an award is made; the ledger commits it when it is released."""
    round_ = _lock_round(session, application.round_id)
    requested = application.requested_amount_pence or 0
    if amount_pence <= 0:
        raise PanelError(_("An award must be more than £0."))
    if requested and amount_pence > requested:
        raise PanelError(_("An award cannot be more than the amount requested."))
    if amount_pence < requested and not (reason or "").strip():
        raise PanelError(_("Give a reason for awarding less than the amount requested."))
    committed = awarded_total(session, round_.id, excluding_application_id=application.id)
    if committed + amount_pence > round_.budget_pence:
        remaining = round_.budget_pence - committed
        raise BudgetExceeded(_("This award would exceed the round's budget: %(remaining)s remains.",
                                 remaining=format_money(remaining, show_pence=True)))
    award = session.scalar(select(Award).where(Award.application_id == application.id))
    if award is None:
        award = Award(application_id=application.id, round_id=round_.id, fund_id=round_.fund_id,
                      amount_pence=amount_pence, decided_by_id=actor.id)
        session.add(award)
    award.amount_pence = amount_pence
    award.status = AWARD_OFFERED
    award.partial_reason = reason.strip() if amount_pence < requested else None
    award.decided_by_id = actor.id
    award.decided_at = utcnow()
    session.flush()
    audit.record(session, actor, "panels.award_decided", "application", application.id,
                 {"award_id": award.id, "amount_pence": amount_pence, "requested_pence": requested,
                  "round_committed_pence": committed + amount_pence,
                  "round_budget_pence": round_.budget_pence})
    return award


def record_decision(session: Session, actor, application: Application, *, outcome: Outcome | str,
                    amount_pence: int | None = None, reason: str = "", feedback: str = "") -> PanelDecision:
    """The chair's decision: award (full or partial), decline with feedback, or reserve."""
    outcome = Outcome(outcome)
    round_ = application.round
    if round_.phase not in DECIDING_PHASES:
        raise PanelError(_("Decisions can be recorded during scoring, voting or deciding only."))
    if application.status not in REVIEWABLE_STATUSES:
        raise PanelError(_("Only eligible applications can be decided."))
    if is_conflicted(session, actor.id, application):
        raise ConflictOfInterest(_("You have a conflict of interest with this application."))
    decision = decision_for(session, application.id)
    if decision is not None and decision.released_at is not None:
        raise PanelError(_("This decision has been released and cannot change."))
    if outcome == Outcome.DECLINE and not (feedback or "").strip():
        raise PanelError(_("Give the applicant feedback on why they were not funded."))
    if outcome == Outcome.AWARD:
        if amount_pence is None:
            raise PanelError(_("Enter the amount to award."))
        decide_award(session, actor, application, amount_pence, reason)
    else:
        award = session.scalar(select(Award).where(Award.application_id == application.id))
        if award is not None:
            award.status = AWARD_RESCINDED
        amount_pence = None
    if decision is None:
        decision = PanelDecision(application_id=application.id, round_id=round_.id)
        session.add(decision)
    decision.outcome = outcome
    decision.amount_pence = amount_pence
    decision.reason = (reason or "").strip()
    decision.feedback = (feedback or "").strip()
    decision.decided_by_id = actor.id
    decision.decided_at = utcnow()
    session.flush()
    audit.record(session, actor, "panels.decision_recorded", "application", application.id,
                 {"outcome": outcome.value, "amount_pence": amount_pence,
                  "reason": decision.reason})
    return decision


def _recipients(session: Session, application: Application) -> list[str]:
    emails = set(session.scalars(select(User.email).join(
        GroupMembership, GroupMembership.user_id == User.id).where(
        GroupMembership.group_id == application.group_id)))
    if application.group.contact_email:
        emails.add(application.group.contact_email)
    creator = session.get(User, application.created_by_id)
    if creator is not None:
        emails.add(creator.email)
    return sorted(emails)


def panel_comments(session: Session, application_id: int) -> list[str]:
    return [note for note in session.scalars(select(Review.note_to_applicant).where(
        Review.application_id == application_id, Review.status == ReviewStatus.SUBMITTED
    ).order_by(Review.id)) if note.strip()]


def _decision_email(session: Session, panel: Panel | None, application: Application,
                    decision: PanelDecision) -> tuple[str, str]:
    """The subject and body in the current language (the caller chooses the recipient's)."""
    title = application.title or application.reference
    lines = [_("The panel has decided on your application “%(project)s” (%(reference)s) to "
               "%(round)s.", project=title, reference=application.reference,
               round=application.round.title), ""]
    if decision.outcome == Outcome.AWARD:
        lines.append(_("We are pleased to award you %(amount)s.",
                       amount=format_money(decision.amount_pence, show_pence=True)))
        if decision.reason:
            lines.append(_("This is less than you asked for because: %(reason)s",
                           reason=decision.reason))
        subject = _("Your grant application has been successful")
    elif decision.outcome == Outcome.RESERVE:
        lines.append(_("Your application is on the reserve list: if money becomes available, "
                       "we will contact you."))
        subject = _("Your grant application is on the reserve list")
    else:
        lines.append(_("We are sorry: this time the panel did not fund your application."))
        subject = _("Your grant application has not been successful")
    if decision.feedback:
        lines += ["", _("Feedback from the panel:"), decision.feedback]
    if panel is not None and panel.share_panel_comments:
        comments = panel_comments(session, application.id)
        if comments:
            lines += ["", _("What panel members said:")] + [f"- {c}" for c in comments]
    return subject, "\n".join(lines) + "\n"


@dataclass
class ReleasePlan:
    """Whether a round's decisions can be released now, why not, and what releasing does."""

    reason: str | None  # why they cannot be released now; None when they can
    awards: int = 0
    awarded_pence: int = 0
    declines: int = 0
    reserves: int = 0
    released_at: datetime | None = None

    @property
    def can_release(self) -> bool:
        return self.reason is None


def release_plan(session: Session, round_: Round) -> ReleasePlan:
    decisions = list(session.scalars(select(PanelDecision).where(PanelDecision.round_id == round_.id)))
    released = [d.released_at for d in decisions if d.released_at is not None]
    counts = {"awards": sum(d.outcome == Outcome.AWARD for d in decisions),
              "awarded_pence": sum(d.amount_pence or 0 for d in decisions if d.outcome == Outcome.AWARD),
              "declines": sum(d.outcome == Outcome.DECLINE for d in decisions),
              "reserves": sum(d.outcome == Outcome.RESERVE for d in decisions)}
    if released:
        return ReleasePlan(reason=_("The decisions were released on %(when)s.",
                                    when=london(max(released))),
                           released_at=max(released), **counts)
    phase = RoundPhase(round_.phase)
    if phase != RoundPhase.DECIDING:
        return ReleasePlan(reason=_(
            "Decisions are released once the round is in “%(deciding)s”; it is now in "
            "“%(phase)s”. A fund manager moves it on from the round’s overview page.",
            deciding=RoundPhase.DECIDING.label, phase=phase.label), **counts)
    decided = {d.application_id for d in decisions}
    undecided = [a for a in reviewable_applications(session, round_.id) if a.id not in decided]
    if undecided:
        return ReleasePlan(reason=ngettext("%(num)d application still needs a decision.",
                                           "%(num)d applications still need a decision.",
                                           len(undecided)), **counts)
    return ReleasePlan(reason=None, **counts)


def release_decisions(session: Session, actor, round_: Round) -> int:
    """Release every decision of the round at once: applicants are emailed and can see
    them; the round moves to decided. Each award is announced (`awards_released`) and
    payments commits it in the fund's ledger in this transaction, so the money is set aside
    when the offer goes out; if the fund cannot cover every award, nothing is released."""
    round_ = _lock_round(session, round_.id)
    plan = release_plan(session, round_)
    if not plan.can_release:
        raise PanelError(plan.reason)
    applications = reviewable_applications(session, round_.id)
    decisions = {d.application_id: d for d in session.scalars(
        select(PanelDecision).where(PanelDecision.round_id == round_.id))}
    panel = panel_for_round(session, round_.id)
    now = utcnow()
    for application in applications:
        decision = decisions[application.id]
        decision.released_at = now
        if decision.outcome == Outcome.AWARD:
            target = ApplicationStatus.AWARDED
            award = session.scalar(select(Award).where(Award.application_id == application.id))
            award.released_at = now
            awards_released.send(award, session=session, actor=actor)
        elif decision.outcome == Outcome.DECLINE:
            target = ApplicationStatus.NOT_AWARDED
        else:
            target = None
        # The group's timeline reaches the outcome its status shows.
        if target is not None and application.status != target:
            set_application_status(session, actor, application, target,
                                   message=TIMELINE_MESSAGES[decision.outcome])
        else:
            _timeline(session, application, ApplicationStatus(application.status).value,
                      TIMELINE_MESSAGES[decision.outcome], getattr(actor, "id", None))
        # Each recipient reads it in their own language, not the chair's.
        creator = session.get(User, application.created_by_id)
        applicant_language = creator.preferred_language if creator is not None else None
        for address in _recipients(session, application):
            with in_language(language_of(session, address, fallback=applicant_language)):
                subject, body = _decision_email(session, panel, application, decision)
                send_email(session, address, subject, body)
    check_round_transition(round_.phase, RoundPhase.DECIDED)
    round_.phase = RoundPhase.DECIDED
    round_.phase_changed_at = now
    session.flush()
    audit.record(session, actor, "panels.decisions_released", "round", round_.id,
                 {"decisions": len(decisions),
                  "awarded_pence": awarded_total(session, round_.id)})
    return len(decisions)


# Stored in English on the timeline and translated when shown (grants.applications.timeline_text).
TIMELINE_MESSAGES = {
    Outcome.AWARD: DECIDED_AWARDED,
    Outcome.DECLINE: DECIDED_NOT_FUNDED,
    Outcome.RESERVE: DECIDED_RESERVE,
}
