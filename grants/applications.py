"""Applications: starting, saving answers and budgets, what still needs doing, submitting,
withdrawing and status changes. Operations record the audit event and never commit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot import money, postcodes
from commonpot.audit import record
from commonpot.db import utcnow
from commonpot.i18n import _, current_language, format_money, ngettext
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
from grants.words import N_, in_language, language_of

# Reserved answer keys for the first step and the budget: raw text lives in the answers
# JSON like every other answer, so an invalid amount is kept exactly as typed.
PROJECT_KEYS = ("_title", "_postcode", "_theme")
BUDGET_KEY = "_budget"
REQUEST_KEY = "_requested"
BUDGET_CATEGORIES = {
    "equipment": N_("Equipment and materials"),
    "venue": N_("Venue hire"),
    "staff": N_("Staff and sessional workers"),
    "volunteers": N_("Volunteer expenses"),
    "activities": N_("Activities and events"),
    "publicity": N_("Publicity"),
    "other": N_("Other"),
}

# Timeline entries are stored in English (the record) and translated when shown
# (`timeline_text`). The screening and decision modules add their own, marked the same way.
STARTED = N_("Application started")
SUBMITTED_AS = N_("Submitted as %(reference)s")
WITHDRAWN_BY_GROUP = N_("Withdrawn by the group")
ELIGIBLE_FORWARD = N_("Eligible: goes forward to the panel")
NOT_ELIGIBLE_BECAUSE = N_("Not eligible: %(reason)s")

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
        return _("This round is open to %(allowed)s only; %(group)s is registered as %(type)s.",
                 allowed=allowed, group=group.name, type=group.org_type.label.lower())
    if active_count >= round_.max_applications_per_group:
        return ngettext(
            "%(group)s already has %(num)d application in this round, and each group may make "
            "at most %(most)d.",
            "%(group)s already has %(num)d applications in this round, and each group may make "
            "at most %(most)d.", active_count, group=group.name,
            most=round_.max_applications_per_group)
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
        raise GrantsError(_("This round is not open for applications."))
    check_group_may_apply(session, round_, group)
    application = Application(round_id=round_.id, group_id=group.id, created_by_id=user.id,
                              status=ApplicationStatus.DRAFT, title="",
                              answers={"_postcode": group.postcode or ""})
    session.add(application)
    session.flush()
    _timeline(session, application, "draft", STARTED, user.id)
    record(session, user, "grants.application_started", "application", application.id,
           {"round_id": round_.id, "group_id": group.id})
    return application


def _require_editable(application: Application, now: datetime | None = None) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise GrantsError(_("This application has been submitted and can no longer be changed."))
    if not accepting_applications(application.round, now):
        raise GrantsError(_("This round is closed, so the application can no longer be changed."))


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
        problems["requested"] = _("Enter the amount you are asking for.")
    elif requested is None:
        problems["requested"] = _("Enter the amount you are asking for in pounds, like 1250 or "
                                  "1250.50.")
    elif not round_.min_grant_pence <= requested <= round_.max_grant_pence:
        problems["requested"] = _(
            "The amount you are asking for must be between %(smallest)s and %(largest)s.",
            smallest=format_money(round_.min_grant_pence),
            largest=format_money(round_.max_grant_pence))
    lines = answers.get(BUDGET_KEY) or []
    total = 0
    for index, line in enumerate(lines, start=1):
        if not str(line.get("description", "")).strip():
            problems[f"line-{index}-description"] = _(
                "Budget line %(line)d: describe what it pays for.", line=index)
        amount = money.parse_pounds(line.get("amount"))
        if amount is None:
            problems[f"line-{index}-amount"] = _(
                "Budget line %(line)d: enter the amount in pounds, like 250 or 250.50.", line=index)
        else:
            total += amount
        if line.get("category") not in BUDGET_CATEGORIES:
            problems[f"line-{index}-category"] = _("Budget line %(line)d: choose a category.",
                                                   line=index)
    if not lines:
        problems["line-1-description"] = _("Add at least one budget line.")
    elif requested is not None and not any(k.startswith("line-") for k in problems) \
            and total != requested:
        problems["budget_total"] = _(
            "Your budget lines add up to %(total)s but you are asking for %(requested)s. They "
            "must be the same.", total=format_money(total), requested=format_money(requested))
    return problems


def project_problems(session: Session, application: Application) -> dict[str, str]:
    answers = application.answers or {}
    problems: dict[str, str] = {}
    if not str(answers.get("_title", "")).strip():
        problems["_title"] = _("Enter a name for your project.")
    postcode = answers.get("_postcode", "")
    round_ = application.round
    if not postcodes.is_postcode(postcode):
        problems["_postcode"] = _("Enter the full postcode where the project will happen, like "
                                  "RT1 4AB.")
    elif round_.restrict_to_area and fund_has_area(session, round_.fund_id) \
            and area_for_postcode(session, round_.fund_id, postcode) is None:
        problems["_postcode"] = _("%(postcode)s is outside the area %(fund)s covers, so this "
                                  "round cannot fund it.", postcode=postcodes.display(postcode),
                                  fund=round_.fund.name)
    themes = round_.fund.themes or []
    if themes and answers.get("_theme") not in themes:
        problems["_theme"] = _("Choose the theme that fits your project best.")
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
        raise GrantsError(_("This application has already been submitted."))
    if now >= round_.closes_at or round_.phase != RoundPhase.OPEN:
        raise GrantsError(_(
            "This round closed at %(when)s, so applications can no longer be submitted. Your "
            "draft is kept, but it cannot be sent.", when=_london(round_.closes_at)))
    check_application_transition(application.status, ApplicationStatus.SUBMITTED)
    problems = submission_problems(session, application)
    if not declarations_accepted:
        problems["declarations"] = _("Confirm the declarations to submit your application.")
    if problems:
        raise ValidationFailed(problems)
    group = application.group
    if round_.allowed_org_types and group.org_type.value not in round_.allowed_org_types:
        raise GrantsError(_("This round does not fund this type of organisation."), "group_id")
    received = active_application_count(session, round_.id, group.id, RECEIVED_STATUSES)
    if received >= round_.max_applications_per_group:
        raise GrantsError(_("%(group)s has already submitted the most applications this round "
                            "allows (%(most)d).", group=group.name,
                            most=round_.max_applications_per_group))
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = now
    application.declarations_accepted_at = now
    application.reference = application_reference(application)
    session.flush()
    _timeline(session, application, "submitted", SUBMITTED_AS % {"reference": application.reference},
              user.id)
    record(session, user, "grants.application_submitted", "application", application.id,
           {"reference": application.reference, "round_id": round_.id, "group_id": group.id,
            "requested_amount_pence": application.requested_amount_pence})
    recipients = {user.email}
    if group.contact_email:
        recipients.add(group.contact_email)
    # The submitter reads it in the language they applied in; the group's contact in theirs.
    submitter_language = current_language()
    for address in sorted(recipients):
        language = submitter_language if address == user.email else \
            language_of(session, address, fallback=submitter_language)
        with in_language(language):
            send_email(session, address,
                       _("Application received: %(reference)s", reference=application.reference),
                       _("Hello,\n\nWe have received %(group)s's application to %(round)s.\n\n"
                         "Reference: %(reference)s\nProject: %(project)s\nAmount requested: "
                         "%(amount)s\n\nYou can follow its progress on Commonpot. You can withdraw "
                         "it until decisions are made.\n", group=group.name, round=round_.title,
                         reference=application.reference, project=application.title,
                         amount=format_money(application.requested_amount_pence)))
    return application


def _london(moment: datetime) -> str:
    from grants.timefmt import london

    return london(moment)


def withdraw_application(session: Session, user, application: Application, reason: str = "",
                         ) -> Application:
    if application.round.phase in DECISION_PHASES:
        raise GrantsError(_("Decisions are being made on this round, so the application can no "
                            "longer be withdrawn. Contact the fund team."))
    previous = application.status
    check_application_transition(previous, ApplicationStatus.WITHDRAWN)
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = utcnow()
    application.withdrawn_reason = reason.strip() or None
    session.flush()
    _timeline(session, application, "withdrawn", WITHDRAWN_BY_GROUP, user.id)
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


def timeline_text(event) -> str:
    """A timeline entry in the reader's language. Entries are stored in English; the known
    ones are translated, anything else (older wording, a manager's note) is shown as stored."""
    message = event.message or ""
    if message in _FIXED_TIMELINE:
        return _(message)
    match = re.fullmatch(r"Submitted as (?P<reference>\S+)", message)
    if match:
        return _(SUBMITTED_AS, reference=match["reference"])
    if message.startswith("Not eligible: "):
        from grants.eligibility import SCREENING_REASONS

        reason = message.removeprefix("Not eligible: ")
        if reason in SCREENING_REASONS.values():
            return _(NOT_ELIGIBLE_BECAUSE, reason=_(reason))
    return message


# The decisions module's release entries (grants.panels.decisions.TIMELINE_MESSAGES).
DECIDED_AWARDED = N_("The panel's decision: awarded")
DECIDED_NOT_FUNDED = N_("The panel's decision: not funded this time")
DECIDED_RESERVE = N_("The panel's decision: on the reserve list")

_FIXED_TIMELINE = frozenset({STARTED, WITHDRAWN_BY_GROUP, ELIGIBLE_FORWARD, DECIDED_AWARDED,
                             DECIDED_NOT_FUNDED, DECIDED_RESERVE})

