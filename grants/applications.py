"""Applications: starting, saving answers and budgets, what still needs doing, submitting,
withdrawing and status changes. Operations record the audit event and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot import money, postcodes
from commonpot.audit import record
from commonpot.db import utcnow
from commonpot.mail import send_email
from grants.answers import question_problems
from grants.errors import GrantsError, ValidationFailed
from grants.funds import area_for_postcode, fund_has_area
from grants.models import (
    Application,
    ApplicationStatusEvent,
    Group,
    OrgType,
    Round,
)
from grants.rounds import accepting_applications
from grants.states import (
    ACTIVE_STATUSES,
    DECISION_PHASES,
    RECEIVED_STATUSES,
    ApplicationStatus,
    RoundPhase,
    check_application_transition,
)

# Reserved answer keys for the first step and the budget: raw text lives in the answers
# JSON like every other answer, so an invalid amount is kept exactly as typed.
PROJECT_KEYS = ("_title", "_postcode", "_theme")
BUDGET_KEY = "_budget"
REQUEST_KEY = "_requested"
BUDGET_CATEGORIES = {
    "equipment": "Equipment and materials",
    "venue": "Venue hire",
    "staff": "Staff and sessional workers",
    "volunteers": "Volunteer expenses",
    "activities": "Activities and events",
    "publicity": "Publicity",
    "other": "Other",
}

# --- applications -------------------------------------------------------------------------

def _timeline(session: Session, application: Application, status: str, message: str,
              actor_id: int | None) -> None:
    session.add(ApplicationStatusEvent(application_id=application.id, status=status,
                                       message=message, actor_id=actor_id))
    session.flush()


def active_application_count(session: Session, round_id: int, group_id: int,
                             statuses=ACTIVE_STATUSES) -> int:
    return session.scalar(select(func.count(Application.id)).where(
        Application.round_id == round_id, Application.group_id == group_id,
        Application.status.in_(list(statuses))))


def why_group_cannot_apply(round_: Round, group: Group, active_count: int) -> str | None:
    """Why this group may not start an application in this round (given how many active
    applications it already has there), or None when it may."""
    if round_.allowed_org_types and group.org_type.value not in round_.allowed_org_types:
        allowed = ", ".join(OrgType(t).label.lower() for t in round_.allowed_org_types)
        return (f"This round is open to {allowed} only; "
                f"{group.name} is registered as {group.org_type.label.lower()}.")
    if active_count >= round_.max_applications_per_group:
        noun = "application" if active_count == 1 else "applications"
        return (f"{group.name} already has {active_count} {noun} in this round, and "
                f"each group may make at most {round_.max_applications_per_group}.")
    return None


def check_group_may_apply(session: Session, round_: Round, group: Group) -> None:
    refusal = why_group_cannot_apply(
        round_, group, active_application_count(session, round_.id, group.id))
    if refusal:
        raise GrantsError(refusal, "group_id")


@dataclass
class GroupChoice:
    """One of a person's groups, and why it cannot apply to a round (None if it can)."""

    group: Group
    refusal: str | None


def application_choices(session: Session, round_: Round, groups: list[Group]) -> list[GroupChoice]:
    """For the round page: which of these groups may start an application, and why not for
    the others, before anyone presses a button (one query for every group's count)."""
    if not groups:
        return []
    counts = dict(session.execute(
        select(Application.group_id, func.count(Application.id)).where(
            Application.round_id == round_.id,
            Application.group_id.in_([g.id for g in groups]),
            Application.status.in_(list(ACTIVE_STATUSES))).group_by(Application.group_id)).all())
    return [GroupChoice(g, why_group_cannot_apply(round_, g, counts.get(g.id, 0))) for g in groups]


def start_application(session: Session, user, round_: Round, group: Group,
                      now: datetime | None = None) -> Application:
    if not accepting_applications(round_, now):
        raise GrantsError("This round is not open for applications.")
    check_group_may_apply(session, round_, group)
    application = Application(round_id=round_.id, group_id=group.id, created_by_id=user.id,
                              status=ApplicationStatus.DRAFT, title="",
                              answers={"_postcode": group.postcode or ""})
    session.add(application)
    session.flush()
    _timeline(session, application, "draft", "Application started", user.id)
    record(session, user, "grants.application_started", "application", application.id,
           {"round_id": round_.id, "group_id": group.id})
    return application


def _require_editable(application: Application, now: datetime | None = None) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise GrantsError("This application has been submitted and can no longer be changed.")
    if not accepting_applications(application.round, now):
        raise GrantsError("This round is closed, so the application can no longer be changed.")


def save_answers(session: Session, user, application: Application, values: dict,
                 now: datetime | None = None) -> None:
    """Keep exactly what was typed, valid or not. Known columns follow when they parse."""
    _require_editable(application, now)
    answers = dict(application.answers or {})
    answers.update(values)
    application.answers = answers
    if "_title" in values:
        application.title = str(values["_title"] or "").strip()[:200]
    if "_postcode" in values:
        postcode = values["_postcode"]
        if postcodes.is_postcode(postcode):
            application.project_postcode = postcodes.display(postcode)
            area = area_for_postcode(session, application.round.fund_id, postcode)
            application.area_id = area.id if area else None
        else:
            application.project_postcode = None
            application.area_id = None
    if "_theme" in values:
        theme = values["_theme"]
        application.theme = theme if theme in (application.round.fund.themes or []) else None
    application.updated_at = utcnow()
    session.flush()


def save_budget(session: Session, user, application: Application, requested: str,
                lines: list[dict], now: datetime | None = None) -> None:
    """Keep the typed budget; lines whose amount parses become BudgetLine rows."""
    from grants.models import BudgetLine

    _require_editable(application, now)
    kept = [
        {"description": str(line.get("description", "")), "category": str(line.get("category", "")),
         "amount": str(line.get("amount", ""))}
        for line in lines
        if any(str(line.get(k, "")).strip() for k in ("description", "amount"))
    ]
    answers = dict(application.answers or {})
    answers[BUDGET_KEY] = kept
    answers[REQUEST_KEY] = requested
    application.answers = answers
    application.requested_amount_pence = money.parse_pounds(requested)
    for line in list(application.budget_lines):
        session.delete(line)
    session.flush()
    for position, line in enumerate(kept):
        amount = money.parse_pounds(line["amount"])
        if amount is not None and line["description"].strip():
            session.add(BudgetLine(
                application_id=application.id, description=line["description"].strip()[:200],
                category=line["category"] if line["category"] in BUDGET_CATEGORIES else "other",
                amount_pence=amount, position=position))
    application.updated_at = utcnow()
    session.flush()
    session.refresh(application, ["budget_lines"])


def budget_problems(application: Application) -> dict[str, str]:
    """Problems with the budget and the amount requested, keyed by field name."""
    round_ = application.round
    answers = application.answers or {}
    problems: dict[str, str] = {}
    requested_text = str(answers.get(REQUEST_KEY, "") or "").strip()
    requested = money.parse_pounds(requested_text)
    if not requested_text:
        problems["requested"] = "Enter the amount you are asking for."
    elif requested is None:
        problems["requested"] = "Enter the amount you are asking for in pounds, like 1250 or 1250.50."
    elif not round_.min_grant_pence <= requested <= round_.max_grant_pence:
        problems["requested"] = (
            f"The amount you are asking for must be between "
            f"{money.format_pence(round_.min_grant_pence)} and "
            f"{money.format_pence(round_.max_grant_pence)}.")
    lines = answers.get(BUDGET_KEY) or []
    total = 0
    for index, line in enumerate(lines, start=1):
        if not str(line.get("description", "")).strip():
            problems[f"line-{index}-description"] = f"Budget line {index}: describe what it pays for."
        amount = money.parse_pounds(line.get("amount"))
        if amount is None:
            problems[f"line-{index}-amount"] = (f"Budget line {index}: enter the amount in pounds, "
                                                f"like 250 or 250.50.")
        else:
            total += amount
        if line.get("category") not in BUDGET_CATEGORIES:
            problems[f"line-{index}-category"] = f"Budget line {index}: choose a category."
    if not lines:
        problems["line-1-description"] = "Add at least one budget line."
    elif requested is not None and not any(k.startswith("line-") for k in problems) \
            and total != requested:
        problems["budget_total"] = (
            f"Your budget lines add up to {money.format_pence(total)} but you are asking "
            f"for {money.format_pence(requested)}. They must be the same.")
    return problems


def project_problems(session: Session, application: Application) -> dict[str, str]:
    answers = application.answers or {}
    problems: dict[str, str] = {}
    if not str(answers.get("_title", "")).strip():
        problems["_title"] = "Enter a name for your project."
    postcode = answers.get("_postcode", "")
    round_ = application.round
    if not postcodes.is_postcode(postcode):
        problems["_postcode"] = "Enter the full postcode where the project will happen, like RT1 4AB."
    elif round_.restrict_to_area and fund_has_area(session, round_.fund_id) \
            and area_for_postcode(session, round_.fund_id, postcode) is None:
        problems["_postcode"] = (f"{postcodes.display(postcode)} is outside the area "
                                 f"{round_.fund.name} covers, so this round cannot fund it.")
    themes = round_.fund.themes or []
    if themes and answers.get("_theme") not in themes:
        problems["_theme"] = "Choose the theme that fits your project best."
    return problems


def submission_problems(session: Session, application: Application) -> dict[str, str]:
    """Everything that stops submission, keyed by field; empty when it may be submitted."""

    problems = project_problems(session, application)
    problems.update(question_problems(application))
    problems.update(budget_problems(application))
    return problems


def application_reference(application: Application) -> str:
    return f"CP-{application.submitted_at.year}-{application.id:06d}"


def submit_application(session: Session, user, application: Application, *,
                       declarations_accepted: bool, now: datetime | None = None) -> Application:
    now = now or utcnow()
    round_ = application.round
    if application.status != ApplicationStatus.DRAFT:
        raise GrantsError("This application has already been submitted.")
    if now >= round_.closes_at or round_.phase != RoundPhase.OPEN:
        raise GrantsError(
            "This round closed at " + _london(round_.closes_at) + ", so applications can no "
            "longer be submitted. Your draft is kept, but it cannot be sent.")
    check_application_transition(application.status, ApplicationStatus.SUBMITTED)
    problems = submission_problems(session, application)
    if not declarations_accepted:
        problems["declarations"] = "Confirm the declarations to submit your application."
    if problems:
        raise ValidationFailed(problems)
    group = application.group
    if round_.allowed_org_types and group.org_type.value not in round_.allowed_org_types:
        raise GrantsError("This round does not fund this type of organisation.", "group_id")
    received = active_application_count(session, round_.id, group.id, RECEIVED_STATUSES)
    if received >= round_.max_applications_per_group:
        raise GrantsError(f"{group.name} has already submitted the most applications this round "
                          f"allows ({round_.max_applications_per_group}).")
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = now
    application.declarations_accepted_at = now
    application.reference = application_reference(application)
    session.flush()
    _timeline(session, application, "submitted", f"Submitted as {application.reference}", user.id)
    record(session, user, "grants.application_submitted", "application", application.id,
           {"reference": application.reference, "round_id": round_.id, "group_id": group.id,
            "requested_amount_pence": application.requested_amount_pence})
    recipients = {user.email}
    if group.contact_email:
        recipients.add(group.contact_email)
    for address in sorted(recipients):
        send_email(session, address, f"Application received: {application.reference}",
                   f"Hello,\n\nWe have received {group.name}'s application to {round_.title}.\n\n"
                   f"Reference: {application.reference}\nProject: {application.title}\n"
                   f"Amount requested: {money.format_pence(application.requested_amount_pence)}"
                   f"\n\nYou can follow its progress on Commonpot. You can withdraw it until "
                   f"decisions are made.\n")
    return application


def _london(moment: datetime) -> str:
    from grants.timefmt import london

    return london(moment)


def withdraw_application(session: Session, user, application: Application, reason: str = "",
                         ) -> Application:
    if application.round.phase in DECISION_PHASES:
        raise GrantsError("Decisions are being made on this round, so the application can no "
                          "longer be withdrawn. Contact the fund team.")
    previous = application.status
    check_application_transition(previous, ApplicationStatus.WITHDRAWN)
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = utcnow()
    application.withdrawn_reason = reason.strip() or None
    session.flush()
    _timeline(session, application, "withdrawn", "Withdrawn by the group", user.id)
    record(session, user, "grants.application_withdrawn", "application", application.id,
           {"from": previous.value, "reason": reason.strip()})
    return application


def set_application_status(session: Session, actor, application: Application,
                           target: ApplicationStatus | str, *, message: str) -> Application:
    """For other modules (decisions): move an application along its state machine, with a
    timeline entry and an audit event."""
    target = ApplicationStatus(target)
    previous = ApplicationStatus(application.status)
    check_application_transition(previous, target)
    application.status = target
    session.flush()
    _timeline(session, application, target.value, message, getattr(actor, "id", None))
    record(session, actor, "grants.application_status_changed", "application", application.id,
           {"from": previous.value, "to": target.value, "message": message})
    return application


