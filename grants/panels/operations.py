"""Panel operations: each takes the session and plain values, enforces the rules, writes
the audit event and flushes. None of them commits (the request or CLI command does)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.accounts.models import User
from commonpot.accounts.operations import grant_fund_role
from commonpot.db import utcnow
from commonpot.mail import send_email
from commonpot.refusals import Refused
from grants.models import Application, Award, GroupMembership, Round
from grants.panels.assignment import Plan, plan_assignments
from grants.panels.models import (
    ConflictDeclaration,
    Panel,
    PanelDecision,
    PanelMember,
    Review,
    ReviewAssignment,
    Score,
    ShortlistEntry,
)
from grants.panels.states import (
    ConflictReason,
    Outcome,
    PanelRole,
    Recommendation,
    ReviewLocked,
    ReviewStatus,
    check_review_transition,
)
from grants.signals import awards_released
from grants.states import ApplicationStatus, RoundPhase, check_application_transition, check_round_transition

# Applications the panel considers: passed screening (and, later, decided).
REVIEWABLE_STATUSES = (ApplicationStatus.ELIGIBLE, ApplicationStatus.AWARDED,
                       ApplicationStatus.NOT_AWARDED)
SCORING_PHASES = frozenset({RoundPhase.SCORING})
DECIDING_PHASES = frozenset({RoundPhase.SCORING, RoundPhase.VOTING, RoundPhase.DECIDING})
# The Award statuses this module writes; a rescinded award no longer counts against the budget.
AWARD_OFFERED = "offered"
AWARD_RESCINDED = "rescinded"


class PanelError(Refused):
    """A panel rule refused the change; the message is shown to the person."""


class BudgetExceeded(PanelError):
    pass


class ConflictOfInterest(PanelError):
    pass


# --- panels and members ----------------------------------------------------------------------

def panel_for_round(session: Session, round_id: int) -> Panel | None:
    return session.scalar(select(Panel).where(Panel.round_id == round_id))


def configure_panel(session: Session, actor, round_: Round, **settings) -> Panel:
    """Create the round's panel or change its settings."""
    panel = panel_for_round(session, round_.id)
    created = panel is None
    if created:
        panel = Panel(round_id=round_.id)
        session.add(panel)
    allowed = {"scale_min", "scale_max", "reviewers_per_application", "blind_review",
               "identifying_question_keys", "calibrate_scores", "disagreement_threshold_hundredths",
               "show_member_names", "share_panel_comments"}
    unknown = set(settings) - allowed
    if unknown:
        raise ValueError(f"unknown panel settings: {sorted(unknown)}")
    scale_changes = {"scale_min", "scale_max"} & set(settings)
    if not created and scale_changes and _any_scores(session, panel):
        raise PanelError("The scale cannot change once reviewers have scored.")
    for name, value in settings.items():
        setattr(panel, name, value)
    lo = panel.scale_min if panel.scale_min is not None else 0
    hi = panel.scale_max if panel.scale_max is not None else 5
    if lo < 0 or hi <= lo:
        raise PanelError("The top of the scale must be above the bottom, and the bottom 0 or more.")
    session.flush()
    audit.record(session, actor, "panels.panel_configured", "panel", panel.id,
                 {"round_id": round_.id, "created": created,
                  "settings": {k: v for k, v in sorted(settings.items())}})
    return panel


def _any_scores(session: Session, panel: Panel) -> bool:
    return bool(session.scalar(select(func.count(Review.id)).where(Review.panel_id == panel.id)))


def active_members(session: Session, panel: Panel) -> list[PanelMember]:
    return list(session.scalars(select(PanelMember).where(
        PanelMember.panel_id == panel.id, PanelMember.removed_at.is_(None)
    ).order_by(PanelMember.id)))


def membership(session: Session, panel: Panel | None, user_id: int) -> PanelMember | None:
    if panel is None:
        return None
    return session.scalar(select(PanelMember).where(
        PanelMember.panel_id == panel.id, PanelMember.user_id == user_id,
        PanelMember.removed_at.is_(None)))


def add_member(session: Session, actor, panel: Panel, user: User, *, role: PanelRole | str,
               is_resident: bool = False) -> PanelMember:
    """Seat someone on the panel (giving them the fund's panel-member role). One chair: a
    new chair makes the old one an ordinary member."""
    role = PanelRole(role)
    round_ = session.get(Round, panel.round_id)
    grant_fund_role(session, actor, user, round_.fund_id, "panel_member")
    if role == PanelRole.CHAIR:
        for other in active_members(session, panel):
            if other.role == PanelRole.CHAIR and other.user_id != user.id:
                other.role = PanelRole.MEMBER
    member = session.scalar(select(PanelMember).where(
        PanelMember.panel_id == panel.id, PanelMember.user_id == user.id))
    if member is None:
        member = PanelMember(panel_id=panel.id, user_id=user.id)
        session.add(member)
    member.role = role
    member.is_resident = is_resident
    member.removed_at = None
    session.flush()
    audit.record(session, actor, "panels.member_added", "panel", panel.id,
                 {"user_id": user.id, "role": role.value, "is_resident": is_resident})
    return member


def remove_member(session: Session, actor, member: PanelMember) -> None:
    """Stand a member down: their open assignments end; submitted scores stay."""
    member.removed_at = utcnow()
    for assignment in session.scalars(select(ReviewAssignment).where(
            ReviewAssignment.panel_id == member.panel_id,
            ReviewAssignment.reviewer_id == member.user_id,
            ReviewAssignment.removed_at.is_(None))):
        assignment.removed_at = utcnow()
    session.flush()
    audit.record(session, actor, "panels.member_removed", "panel", member.panel_id,
                 {"user_id": member.user_id})


def is_chair(session: Session, panel: Panel | None, user_id: int) -> bool:
    member = membership(session, panel, user_id)
    return member is not None and member.role == PanelRole.CHAIR


# --- applications and conflicts --------------------------------------------------------------

def reviewable_applications(session: Session, round_id: int) -> list[Application]:
    return list(session.scalars(select(Application).where(
        Application.round_id == round_id, Application.status.in_(REVIEWABLE_STATUSES)
    ).order_by(Application.id)))


def declaration_for(session: Session, user_id: int, application_id: int) -> ConflictDeclaration | None:
    return session.scalar(select(ConflictDeclaration).where(
        ConflictDeclaration.application_id == application_id,
        ConflictDeclaration.reviewer_id == user_id))


def is_group_member(session: Session, user_id: int, group_id: int) -> bool:
    return session.scalar(select(GroupMembership.id).where(
        GroupMembership.user_id == user_id, GroupMembership.group_id == group_id)) is not None


def is_conflicted(session: Session, user_id: int, application: Application) -> bool:
    """Conflicted by membership of the applying group (recorded on the platform, no
    declaration needed) or by their own declaration."""
    if is_group_member(session, user_id, application.group_id):
        return True
    declaration = declaration_for(session, user_id, application.id)
    return declaration is not None and declaration.has_conflict


def conflict_pairs(session: Session, panel: Panel, user_ids, applications) -> set[tuple[int, int]]:
    """Every (user_id, application_id) that is conflicted, automatic or declared."""
    user_ids = set(user_ids)
    app_ids = {a.id for a in applications}
    by_group: dict[int, set[int]] = {}
    for a in applications:
        by_group.setdefault(a.group_id, set()).add(a.id)
    pairs = set()
    if user_ids and by_group:
        for user_id, group_id in session.execute(select(
                GroupMembership.user_id, GroupMembership.group_id).where(
                GroupMembership.user_id.in_(user_ids), GroupMembership.group_id.in_(by_group))):
            pairs |= {(user_id, app_id) for app_id in by_group[group_id]}
    if user_ids and app_ids:
        pairs |= set(session.execute(select(
            ConflictDeclaration.reviewer_id, ConflictDeclaration.application_id).where(
            ConflictDeclaration.has_conflict.is_(True),
            ConflictDeclaration.application_id.in_(app_ids),
            ConflictDeclaration.reviewer_id.in_(user_ids))).tuples())
    return pairs


def declare_conflict(session: Session, reviewer: User, application: Application, *,
                     has_conflict: bool, reason: ConflictReason | str | None = None,
                     details: str = "") -> ConflictDeclaration:
    """Record a reviewer's declaration. A conflict, once declared, stands: a reviewer can
    add a conflict to an earlier 'no conflict', not take one back."""
    reason = ConflictReason(reason) if has_conflict and reason else None
    if has_conflict and reason is None:
        raise PanelError("Say why you have a conflict of interest.")
    if has_conflict and reason == ConflictReason.OTHER and not details.strip():
        raise PanelError("Describe the conflict of interest.")
    declaration = declaration_for(session, reviewer.id, application.id)
    if declaration is not None and declaration.has_conflict:
        raise PanelError("You have already declared a conflict for this application.")
    if declaration is None:
        declaration = ConflictDeclaration(application_id=application.id, reviewer_id=reviewer.id)
        session.add(declaration)
    declaration.has_conflict = has_conflict
    declaration.reason = reason
    declaration.details = details.strip()
    declaration.declared_at = utcnow()
    session.flush()
    audit.record(session, reviewer, "panels.conflict_declared", "application", application.id,
                 {"reviewer_id": reviewer.id, "has_conflict": has_conflict,
                  "reason": reason.value if reason else None})
    return declaration


# --- assignment --------------------------------------------------------------------------------

def active_assignments(session: Session, panel: Panel) -> list[ReviewAssignment]:
    return list(session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.panel_id == panel.id, ReviewAssignment.removed_at.is_(None)
    ).order_by(ReviewAssignment.application_id, ReviewAssignment.reviewer_id)))


def assignment_for(session: Session, user_id: int, application_id: int) -> ReviewAssignment | None:
    return session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application_id, ReviewAssignment.reviewer_id == user_id,
        ReviewAssignment.removed_at.is_(None)))


def _assign(session: Session, actor, panel: Panel, user_id: int, application_id: int) -> ReviewAssignment:
    row = session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application_id, ReviewAssignment.reviewer_id == user_id))
    if row is None:
        row = ReviewAssignment(panel_id=panel.id, application_id=application_id, reviewer_id=user_id)
        session.add(row)
    row.removed_at = None
    row.assigned_at = utcnow()
    row.assigned_by_id = getattr(actor, "id", None)
    return row


def assign_reviewers(session: Session, actor, panel: Panel) -> Plan:
    """Assign by the panel's setting, keeping what is already assigned. Conflicted pairs
    (group members and declared conflicts) are never assigned."""
    members = [m.user_id for m in active_members(session, panel)]
    if not members:
        raise PanelError("Add panel members before assigning applications.")
    applications = reviewable_applications(session, panel.round_id)
    conflicts = conflict_pairs(session, panel, members, applications)
    existing = [(a.reviewer_id, a.application_id) for a in active_assignments(session, panel)]
    plan = plan_assignments(members, [a.id for a in applications], conflicts,
                            per_application=panel.reviewers_per_application, existing=existing)
    for user_id, application_id in sorted(plan.pairs):
        _assign(session, actor, panel, user_id, application_id)
    session.flush()
    audit.record(session, actor, "panels.reviewers_assigned", "panel", panel.id,
                 {"added": sorted([list(p) for p in plan.pairs]),
                  "shortfalls": {str(k): v for k, v in sorted(plan.shortfalls.items())}})
    return plan


def reassign(session: Session, actor, panel: Panel, application: Application, *,
             from_user_id: int | None, to_user_id: int) -> ReviewAssignment:
    """The chair moves (or adds) a review to another member."""
    if membership(session, panel, to_user_id) is None:
        raise PanelError("The new reviewer must be on the panel.")
    if is_conflicted(session, to_user_id, application):
        raise ConflictOfInterest("That member has a conflict of interest with this application.")
    if assignment_for(session, to_user_id, application.id) is not None:
        raise PanelError("That member already reviews this application.")
    if from_user_id is not None:
        current = assignment_for(session, from_user_id, application.id)
        if current is None:
            raise PanelError("That member does not review this application.")
        current.removed_at = utcnow()
    row = _assign(session, actor, panel, to_user_id, application.id)
    session.flush()
    audit.record(session, actor, "panels.review_reassigned", "application", application.id,
                 {"from_user_id": from_user_id, "to_user_id": to_user_id})
    return row


# --- scoring -----------------------------------------------------------------------------------

def review_for(session: Session, user_id: int, application_id: int) -> Review | None:
    return session.scalar(select(Review).where(
        Review.application_id == application_id, Review.reviewer_id == user_id))


def save_review(session: Session, reviewer: User, application: Application, *,
                scores: dict[int, tuple[int | None, str]], recommendation: str | None,
                note_to_applicant: str = "", submit: bool = False) -> Review:
    """Save a reviewer's scores as a draft, or submit (which locks them)."""
    round_ = application.round
    panel = panel_for_round(session, round_.id)
    if membership(session, panel, reviewer.id) is None or assignment_for(
            session, reviewer.id, application.id) is None:
        raise PanelError("You are not assigned to review this application.")
    if is_conflicted(session, reviewer.id, application):
        raise ConflictOfInterest("You have a conflict of interest with this application.")
    if declaration_for(session, reviewer.id, application.id) is None:
        raise PanelError("Declare any conflict of interest before you score.")
    if round_.phase not in SCORING_PHASES:
        raise PanelError("Scores can only be changed while the round is in panel scoring.")
    review = review_for(session, reviewer.id, application.id)
    if review is not None and review.status == ReviewStatus.SUBMITTED:
        raise ReviewLocked("Your scores are submitted and locked. Ask the chair to reopen them.")
    criteria = {c.id: c for c in round_.criteria}
    unknown = set(scores) - set(criteria)
    if unknown:
        raise PanelError("Scores were sent for criteria this round does not have.")
    for criterion_id, (value, _comment) in scores.items():
        if value is not None and not panel.scale_min <= value <= panel.scale_max:
            raise PanelError(f"Scores for {criteria[criterion_id].name} must be from "
                             f"{panel.scale_min} to {panel.scale_max}.")
    if review is None:
        review = Review(panel_id=panel.id, application_id=application.id, reviewer_id=reviewer.id,
                        status=ReviewStatus.DRAFT)
        session.add(review)
        session.flush()
    existing = {s.criterion_id: s for s in review.scores}
    for criterion_id, (value, comment) in scores.items():
        row = existing.get(criterion_id)
        if value is None:
            if row is not None:
                review.scores.remove(row)
                session.delete(row)
            continue
        if row is None:
            row = Score(review_id=review.id, criterion_id=criterion_id, value=value)
            session.add(row)
            review.scores.append(row)
        row.value = value
        row.comment = (comment or "").strip()
    review.recommendation = Recommendation(recommendation) if recommendation else None
    review.note_to_applicant = (note_to_applicant or "").strip()
    review.updated_at = utcnow()
    session.flush()
    if submit:
        scored = {s.criterion_id for s in review.scores}
        missing = [c.name for cid, c in criteria.items() if cid not in scored]
        if missing:
            raise PanelError("Score every criterion before you submit: " + ", ".join(missing) + ".")
        if review.recommendation is None:
            raise PanelError("Give an overall recommendation before you submit.")
        check_review_transition(review.status, ReviewStatus.SUBMITTED)
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = utcnow()
        session.flush()
        audit.record(session, reviewer, "panels.review_submitted", "application", application.id,
                     {"reviewer_id": reviewer.id,
                      "scores": {str(s.criterion_id): s.value for s in review.scores},
                      "recommendation": review.recommendation.value})
    return review


def reopen_review(session: Session, actor, review: Review, reason: str) -> Review:
    """The chair unlocks a submitted score sheet, saying why."""
    if not (reason or "").strip():
        raise PanelError("Give a reason for reopening these scores.")
    check_review_transition(review.status, ReviewStatus.DRAFT)
    if review.application.round.phase not in SCORING_PHASES:
        raise PanelError("Scores can only be reopened while the round is in panel scoring.")
    review.status = ReviewStatus.DRAFT
    review.submitted_at = None
    review.reopened_at = utcnow()
    review.reopen_reason = reason.strip()
    session.flush()
    audit.record(session, actor, "panels.review_reopened", "application", review.application_id,
                 {"reviewer_id": review.reviewer_id, "reason": reason.strip()})
    return review


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
        raise PanelError("An award must be more than £0.")
    if requested and amount_pence > requested:
        raise PanelError("An award cannot be more than the amount requested.")
    if amount_pence < requested and not (reason or "").strip():
        raise PanelError("Give a reason for awarding less than the amount requested.")
    committed = awarded_total(session, round_.id, excluding_application_id=application.id)
    if committed + amount_pence > round_.budget_pence:
        remaining = round_.budget_pence - committed
        raise BudgetExceeded(
            f"This award would exceed the round's budget: £{remaining / 100:,.2f} remains.")
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
        raise PanelError("Decisions can be recorded during scoring, voting or deciding only.")
    if application.status not in REVIEWABLE_STATUSES:
        raise PanelError("Only eligible applications can be decided.")
    if is_conflicted(session, actor.id, application):
        raise ConflictOfInterest("You have a conflict of interest with this application.")
    decision = decision_for(session, application.id)
    if decision is not None and decision.released_at is not None:
        raise PanelError("This decision has been released and cannot change.")
    if outcome == Outcome.DECLINE and not (feedback or "").strip():
        raise PanelError("Give the applicant feedback on why they were not funded.")
    if outcome == Outcome.AWARD:
        if amount_pence is None:
            raise PanelError("Enter the amount to award.")
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
    title = application.title or application.reference
    lines = [f"The panel has decided on your application \"{title}\" ({application.reference})"
             f" to {application.round.title}.", ""]
    if decision.outcome == Outcome.AWARD:
        lines.append(f"We are pleased to award you £{decision.amount_pence / 100:,.2f}.")
        if decision.reason:
            lines.append(f"This is less than you asked for because: {decision.reason}")
        subject = "Your grant application has been successful"
    elif decision.outcome == Outcome.RESERVE:
        lines.append("Your application is on the reserve list: if money becomes available, "
                     "we will contact you.")
        subject = "Your grant application is on the reserve list"
    else:
        lines.append("We are sorry: this time the panel did not fund your application.")
        subject = "Your grant application has not been successful"
    if decision.feedback:
        lines += ["", "Feedback from the panel:", decision.feedback]
    if panel is not None and panel.share_panel_comments:
        comments = panel_comments(session, application.id)
        if comments:
            lines += ["", "What panel members said:"] + [f"- {c}" for c in comments]
    return subject, "\n".join(lines) + "\n"


def release_decisions(session: Session, actor, round_: Round) -> int:
    """Release every decision of the round at once: applicants are emailed and can see
    them; the round moves to decided. Each award is announced (`awards_released`) and
    payments commits it in the fund's ledger in this transaction, so the money is set aside
    when the offer goes out; if the fund cannot cover every award, nothing is released."""
    round_ = _lock_round(session, round_.id)
    if round_.phase != RoundPhase.DECIDING:
        raise PanelError("Decisions are released when the round is in the deciding phase.")
    applications = reviewable_applications(session, round_.id)
    decisions = {d.application_id: d for d in session.scalars(
        select(PanelDecision).where(PanelDecision.round_id == round_.id))}
    undecided = [a for a in applications if a.id not in decisions]
    if undecided:
        raise PanelError(f"{len(undecided)} application(s) still need a decision.")
    if any(d.released_at for d in decisions.values()):
        raise PanelError("These decisions have already been released.")
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
        if target is not None and application.status != target:
            check_application_transition(application.status, target)
            application.status = target
        subject, body = _decision_email(session, panel, application, decision)
        for address in _recipients(session, application):
            send_email(session, address, subject, body)
    check_round_transition(round_.phase, RoundPhase.DECIDED)
    round_.phase = RoundPhase.DECIDED
    round_.phase_changed_at = now
    session.flush()
    audit.record(session, actor, "panels.decisions_released", "round", round_.id,
                 {"decisions": len(decisions),
                  "awarded_pence": awarded_total(session, round_.id)})
    return len(decisions)


# --- the shortlist for a resident vote ---------------------------------------------------------

def set_shortlist(session: Session, actor, round_: Round, application_ids) -> list[int]:
    """Replace the round's shortlist for a resident vote."""
    if not round_.uses_voting:
        raise PanelError("This round has no resident vote.")
    if round_.phase != RoundPhase.SCORING:
        raise PanelError("The shortlist is set at the end of panel scoring.")
    wanted = set(application_ids)
    eligible = {a.id for a in reviewable_applications(session, round_.id)}
    if not wanted <= eligible:
        raise PanelError("Only eligible applications can be shortlisted.")
    current = {e.application_id: e for e in session.scalars(
        select(ShortlistEntry).where(ShortlistEntry.round_id == round_.id))}
    for app_id, entry in current.items():
        if app_id not in wanted:
            session.delete(entry)
    for app_id in sorted(wanted - set(current)):
        session.add(ShortlistEntry(round_id=round_.id, application_id=app_id, added_by_id=actor.id))
    session.flush()
    audit.record(session, actor, "panels.shortlist_set", "round", round_.id,
                 {"application_ids": sorted(wanted)})
    return sorted(wanted)


def shortlist_for_vote(session: Session, round_id: int) -> list[dict]:
    """The shortlist as plain values, for the voting module to turn into proposals."""
    rows = session.scalars(select(Application).join(
        ShortlistEntry, ShortlistEntry.application_id == Application.id).where(
        ShortlistEntry.round_id == round_id).order_by(Application.id))
    return [{
        "title": a.title,
        "summary": str((a.answers or {}).get("summary", "")),
        "cost_pence": a.requested_amount_pence or 0,
        "group_id": a.group_id,
        "source_application_id": a.id,
    } for a in rows]
