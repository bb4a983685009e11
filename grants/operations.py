"""Grants operations. Each takes the session and plain values, enforces the rules, records
the audit event and flushes. None commits: the request (or CLI command) does that once."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot import money, postcodes
from commonpot.audit import record
from commonpot.db import utcnow
from commonpot.mail import send_email
from commonpot.refusals import Refused
from grants import eligibility
from grants.models import (
    Application,
    ApplicationStatusEvent,
    AreaPostcode,
    Criterion,
    Fund,
    FundArea,
    Group,
    GroupInvitation,
    GroupMembership,
    OrgType,
    Question,
    QuestionType,
    Round,
    ScreeningDecision,
)
from grants.states import (
    ACTIVE_STATUSES,
    DECISION_PHASES,
    RECEIVED_STATUSES,
    ApplicationStatus,
    RoundPhase,
    RoundTransitionError,
    check_application_transition,
    check_round_transition,
)
from grants.states import IllegalTransition as IllegalTransitionError  # noqa: F401 - re-exported

INVITATION_LIFETIME = timedelta(days=7)

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

DEFAULT_ASSET_QUESTIONS = [
    ("assets_people", "What people and skills does your group bring?",
     "For example volunteers' time, trades, languages or experience."),
    ("assets_places", "What places can your group use?",
     "For example a hall, a garden, a room in a school, or a park you look after."),
    ("assets_partners", "Who will you work with?",
     "Other groups, schools, businesses or services that support the project."),
]


class GrantsError(Refused, ValueError):
    """A rule refused the action; `field` names the form field it concerns, if any."""


class ValidationFailed(GrantsError):
    """Several problems at once: {field: message}."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("There are problems with the application.")
        self.problems = problems


# --- funds and areas ----------------------------------------------------------------------

def set_fund_themes(session: Session, actor, fund: Fund, themes: list[str]) -> None:
    cleaned = []
    for theme in themes:
        theme = theme.strip()
        if theme and theme not in cleaned:
            cleaned.append(theme[:80])
    fund.themes = cleaned
    record(session, actor, "grants.fund_themes_set", "fund", fund.id, {"themes": cleaned})
    session.flush()


def import_areas_csv(session: Session, actor, fund: Fund, text: str) -> dict:
    """Read rows of `area,kind,postcode[,code]`. A value ending in '*' or without an inward
    code is a prefix. Existing areas gain the new postcodes; nothing is removed.

    All or nothing: a file with any bad row imports nothing and refuses with every problem."""
    rows: list[tuple[str, str, str, str, bool]] = []
    problems: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row] + ["", "", "", ""]
        name, kind, value, code = cells[0], cells[1].lower() or "ward", cells[2], cells[3]
        if number == 1 and name.lower() in ("area", "name", "ward", "district") and \
                value.lower() in ("postcode", "prefix", "postcode_or_prefix"):
            continue
        if not name or kind not in ("ward", "district"):
            problems.append(f"Row {number}: give an area name and a kind of ward or district.")
            continue
        is_prefix = value.endswith("*") or not postcodes.is_postcode(value)
        compact = postcodes.compact(value.rstrip("*"))
        if is_prefix and not postcodes.is_prefix(compact):
            problems.append(f"Row {number}: {value!r} is not a postcode or postcode prefix.")
            continue
        rows.append((name, kind, code, compact, is_prefix))
    if problems:
        raise GrantsError("Nothing was imported. Fix these lines and import the file again.",
                          "file", details=problems)
    added = areas_created = 0
    areas = {area.name: area for area in fund.areas}
    for name, kind, code, compact, is_prefix in rows:
        area = areas.get(name)
        if area is None:
            area = FundArea(fund_id=fund.id, name=name[:120], kind=kind, code=code[:12] or None)
            session.add(area)
            session.flush()
            areas[name] = area
            areas_created += 1
        exists = session.scalar(select(AreaPostcode.id).where(
            AreaPostcode.area_id == area.id, AreaPostcode.value == compact,
            AreaPostcode.is_prefix == is_prefix))
        if exists is None:
            session.add(AreaPostcode(area_id=area.id, value=compact, is_prefix=is_prefix))
            session.flush()
            added += 1
    record(session, actor, "grants.areas_imported", "fund", fund.id,
           {"areas_created": areas_created, "postcodes_added": added})
    return {"areas_created": areas_created, "postcodes_added": added}


def area_for_postcode(session: Session, fund_id: int, postcode: str) -> FundArea | None:
    compact = postcodes.compact(postcode)
    if not compact:
        return None
    rows = session.execute(
        select(AreaPostcode, FundArea).join(FundArea, AreaPostcode.area_id == FundArea.id)
        .where(FundArea.fund_id == fund_id)
        .order_by(AreaPostcode.is_prefix, func.length(AreaPostcode.value).desc())
    ).all()
    for entry, area in rows:
        if postcodes.matches(compact, entry.value, entry.is_prefix):
            return area
    return None


def fund_has_area(session: Session, fund_id: int) -> bool:
    return session.scalar(select(func.count(FundArea.id)).where(FundArea.fund_id == fund_id)) > 0


# --- rounds -------------------------------------------------------------------------------

@dataclass
class RoundSettings:
    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    min_grant_pence: int
    max_grant_pence: int
    budget_pence: int
    allowed_org_types: list[str]
    max_applications_per_group: int = 1
    restrict_to_area: bool = True
    uses_voting: bool = False
    eligibility_notes: str = ""


def _check_settings(settings: RoundSettings) -> None:
    if settings.closes_at <= settings.opens_at:
        raise GrantsError("The closing time must be after the opening time.", "closes_at")
    if settings.min_grant_pence < 0:
        raise GrantsError("The smallest grant cannot be negative.", "min_grant")
    if settings.max_grant_pence < settings.min_grant_pence:
        raise GrantsError("The largest grant must be at least the smallest grant.", "max_grant")
    if settings.budget_pence < settings.max_grant_pence:
        raise GrantsError("The round's total must be at least its largest grant.", "budget")
    if settings.max_applications_per_group < 1:
        raise GrantsError("Allow at least one application per group.",
                          "max_applications_per_group")
    unknown = set(settings.allowed_org_types) - {t.value for t in OrgType}
    if unknown:
        raise GrantsError("Choose organisation types from the list.", "allowed_org_types")


def _unique_round_slug(session: Session, title: str) -> str:
    base = "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())[:60]
    base = base or "round"
    slug, n = base, 2
    while session.scalar(select(Round.id).where(Round.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_round(session: Session, actor, fund: Fund, settings: RoundSettings, *,
                 slug: str | None = None, with_asset_questions: bool = True) -> Round:
    _check_settings(settings)
    round_ = Round(fund_id=fund.id, slug=slug or _unique_round_slug(session, settings.title),
                   phase=RoundPhase.DRAFT, **settings.__dict__)
    session.add(round_)
    session.flush()
    if with_asset_questions:
        for position, (key, label, hint) in enumerate(DEFAULT_ASSET_QUESTIONS):
            round_.questions.append(Question(key=key, type=QuestionType.LONG_TEXT,
                                 label=label, hint=hint, required=False, options=[],
                                 word_limit=150, step=99, position=position, is_asset=True))
        session.flush()
    record(session, actor, "grants.round_created", "round", round_.id,
           {"fund_id": fund.id, "title": round_.title, "slug": round_.slug})
    return round_


def update_round(session: Session, actor, round_: Round, settings: RoundSettings) -> None:
    if round_.phase not in (RoundPhase.DRAFT, RoundPhase.OPEN, RoundPhase.CLOSED):
        raise GrantsError("A round's rules cannot change once screening has started.")
    _check_settings(settings)
    if round_.phase != RoundPhase.DRAFT:
        # Published rules are the same for everyone: once open only dates and wording move.
        for name in ("min_grant_pence", "max_grant_pence", "allowed_org_types",
                     "max_applications_per_group", "restrict_to_area"):
            if getattr(settings, name) != getattr(round_, name):
                raise GrantsError("Eligibility rules and grant limits cannot change once a "
                                  "round has opened.", name)
    before = {"opens_at": round_.opens_at.isoformat(), "closes_at": round_.closes_at.isoformat()}
    for name, value in settings.__dict__.items():
        setattr(round_, name, value)
    session.flush()
    record(session, actor, "grants.round_updated", "round", round_.id,
           {"before": before, "opens_at": round_.opens_at.isoformat(),
            "closes_at": round_.closes_at.isoformat()})


def _require_draft(round_: Round) -> None:
    if round_.phase != RoundPhase.DRAFT:
        raise GrantsError("Criteria and questions can only change while the round is a draft.")


def add_criterion(session: Session, actor, round_: Round, *, name: str, description: str,
                  weight: int) -> Criterion:
    _require_draft(round_)
    if weight < 0:
        raise GrantsError("A weight cannot be negative.", "weight")
    if any(c.name == name for c in round_.criteria):
        raise GrantsError("This round already has a criterion with that name.", "name")
    criterion = Criterion(name=name, description=description, weight=weight,
                          position=len(round_.criteria))
    round_.criteria.append(criterion)
    session.flush()
    record(session, actor, "grants.criterion_added", "round", round_.id,
           {"criterion_id": criterion.id, "name": name, "weight": weight})
    return criterion


def _question_key(round_: Round, label: str) -> str:
    base = "_".join("".join(c if c.isalnum() else " " for c in label.lower()).split())[:40] or "q"
    taken = {q.key for q in round_.questions}
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def add_question(session: Session, actor, round_: Round, *, type: str, label: str,
                 hint: str = "", required: bool = True, options: list[str] | None = None,
                 word_limit: int | None = None, step: int = 1, key: str | None = None,
                 is_asset: bool = False) -> Question:
    _require_draft(round_)
    question_type = QuestionType(type)
    options = [o.strip() for o in (options or []) if o.strip()]
    if question_type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE) \
            and len(options) < 2:
        raise GrantsError("Give at least two options, one on each line.", "options")
    if question_type == QuestionType.LONG_TEXT and not word_limit:
        word_limit = 300
    if word_limit is not None and word_limit <= 0:
        raise GrantsError("The word limit must be a positive number.", "word_limit")
    question = Question(
        key=key or _question_key(round_, label), type=question_type,
        label=label, hint=hint, required=required, options=options,
        word_limit=word_limit if question_type == QuestionType.LONG_TEXT else None,
        step=max(1, min(step, 99)), position=len(round_.questions), is_asset=is_asset)
    round_.questions.append(question)
    session.flush()
    record(session, actor, "grants.question_added", "round", round_.id,
           {"question_id": question.id, "key": question.key, "type": question_type.value})
    return question


def copy_questions(session: Session, actor, round_: Round, source: Round) -> int:
    """Copy an earlier round's questions (and criteria) into a draft round."""
    _require_draft(round_)
    if source.id == round_.id:
        raise GrantsError("Choose a different round to copy from.", "source")
    taken = {q.key for q in round_.questions}
    copied = 0
    for q in source.questions:
        if q.key in taken:
            continue
        session.add(Question(round_id=round_.id, key=q.key, type=q.type, label=q.label,
                             hint=q.hint, required=q.required, options=list(q.options),
                             word_limit=q.word_limit, step=q.step, position=q.position,
                             is_asset=q.is_asset))
        copied += 1
    names = {c.name for c in round_.criteria}
    for c in source.criteria:
        if c.name not in names:
            session.add(Criterion(round_id=round_.id, name=c.name, description=c.description,
                                  weight=c.weight, position=c.position))
    session.flush()
    session.refresh(round_, ["questions", "criteria"])
    record(session, actor, "grants.questions_copied", "round", round_.id,
           {"source_round_id": source.id, "copied": copied})
    return copied


def _round_guard(session: Session, round_: Round, target: RoundPhase, now: datetime) -> str | None:
    """Why the move is refused, or None when it may go ahead."""
    if target == RoundPhase.OPEN:
        if not round_.criteria:
            return "publish at least one criterion first"
        if now >= round_.closes_at:
            return "its closing time has passed; move the closing time first"
    if target == RoundPhase.SCORING:
        waiting = session.scalar(select(func.count(Application.id)).where(
            Application.round_id == round_.id,
            Application.status == ApplicationStatus.SUBMITTED))
        if waiting:
            return f"{waiting} application(s) still need an eligibility decision"
    if target == RoundPhase.DECIDING and round_.phase == RoundPhase.SCORING and round_.uses_voting:
        return "this round has a public vote; move it to voting first"
    if target == RoundPhase.VOTING and not round_.uses_voting:
        return "this round has no public vote"
    return None


def transition_round(session: Session, actor, round_: Round, target: RoundPhase | str, *,
                     reason: str, now: datetime | None = None) -> Round:
    """The one way a round changes phase: table check, guards, audit event."""
    now = now or utcnow()
    target = RoundPhase(target)
    current = RoundPhase(round_.phase)
    check_round_transition(current, target)
    refusal = _round_guard(session, round_, target, now)
    if refusal:
        raise RoundTransitionError(current, target, refusal)
    round_.phase = target
    round_.phase_changed_at = now
    session.flush()
    record(session, actor, "grants.round_phase_changed", "round", round_.id,
           {"from": current.value, "to": target.value, "reason": reason})
    return round_


def tick_rounds(session: Session, now: datetime | None = None) -> list[tuple[str, str, str]]:
    """Open and close rounds whose times have come. Returns (slug, from, to) moves."""
    now = now or utcnow()
    moves = []
    due = session.scalars(select(Round).where(
        ((Round.phase == RoundPhase.DRAFT) & (Round.opens_at <= now) & (Round.closes_at > now))
        | ((Round.phase == RoundPhase.OPEN) & (Round.closes_at <= now))
    ).order_by(Round.id)).all()
    for round_ in due:
        target = RoundPhase.OPEN if round_.phase == RoundPhase.DRAFT else RoundPhase.CLOSED
        if _round_guard(session, round_, target, now):
            continue  # an unfinished draft stays a draft; managers see why on its page
        before = round_.phase
        transition_round(session, "system", round_, target, now=now,
                         reason="opening time reached" if target == RoundPhase.OPEN
                         else "closing time reached")
        moves.append((round_.slug, before.value, target.value))
    return moves


def rounds_due(session: Session, now: datetime | None = None) -> bool:
    """Cheap check for the per-request clock: is any round due to open or close?"""
    now = now or utcnow()
    return session.scalar(select(Round.id).where(
        ((Round.phase == RoundPhase.DRAFT) & (Round.opens_at <= now) & (Round.closes_at > now))
        | ((Round.phase == RoundPhase.OPEN) & (Round.closes_at <= now))
    ).limit(1)) is not None


def accepting_applications(round_: Round, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return round_.phase == RoundPhase.OPEN and round_.opens_at <= now < round_.closes_at


# --- groups -------------------------------------------------------------------------------

def _unique_group_slug(session: Session, name: str) -> str:
    base = "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())[:60] or "group"
    slug, n = base, 2
    while session.scalar(select(Group.id).where(Group.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


@dataclass
class GroupProfile:
    name: str
    org_type: str
    postcode: str
    contact_name: str
    contact_email: str
    contact_phone: str = ""
    charity_number: str = ""
    company_number: str = ""
    description: str = ""


def _apply_profile(session: Session, group: Group, profile: GroupProfile, prefix: str) -> None:
    if not postcodes.is_postcode(profile.postcode):
        raise GrantsError("Enter a full UK postcode, like RT1 4AB.", "postcode")
    org_type = OrgType(profile.org_type)
    if org_type == OrgType.CHARITY and not profile.charity_number.strip():
        raise GrantsError("Enter the charity number of a registered charity.", "charity_number")
    if org_type in (OrgType.CIC, OrgType.CLG) and not profile.company_number.strip():
        raise GrantsError("Enter the company number from Companies House.", "company_number")
    group.name = profile.name.strip()
    group.org_type = org_type
    group.postcode = postcodes.display(profile.postcode)
    group.contact_name = profile.contact_name.strip()
    group.contact_email = profile.contact_email.strip()
    group.contact_phone = profile.contact_phone.strip() or None
    group.charity_number = profile.charity_number.strip() or None
    group.company_number = profile.company_number.strip() or None
    group.description = profile.description.strip()
    org_id = eligibility.org_id_for(org_type, group.charity_number, group.company_number, prefix,
                                    group.slug)
    clash = session.scalar(select(Group.id).where(Group.org_id == org_id, Group.id != group.id))
    if clash is not None:
        raise GrantsError("Another group is already registered with that number.",
                          "charity_number" if group.charity_number else "company_number")
    group.org_id = org_id


def default_org_prefix(session: Session) -> str:
    from grants.models import Funder

    return session.scalar(select(Funder.identifier_prefix).order_by(Funder.id).limit(1)) \
        or "360G-commonpot"


def create_group(session: Session, user, profile: GroupProfile) -> Group:
    group = Group(name=profile.name.strip(), slug=_unique_group_slug(session, profile.name))
    _apply_profile(session, group, profile, default_org_prefix(session))
    session.add(group)
    session.flush()
    session.add(GroupMembership(group_id=group.id, user_id=user.id, role="group_admin"))
    session.flush()
    record(session, user, "grants.group_created", "group", group.id,
           {"name": group.name, "org_type": group.org_type.value, "org_id": group.org_id})
    return group


def update_group(session: Session, actor, group: Group, profile: GroupProfile) -> None:
    _apply_profile(session, group, profile, default_org_prefix(session))
    session.flush()
    record(session, actor, "grants.group_updated", "group", group.id,
           {"org_type": group.org_type.value, "org_id": group.org_id})


def set_payment_ready(session: Session, actor, group: Group, ready: bool) -> None:
    """Called by payments once bank details are verified (or withdrawn)."""
    group.payment_ready = ready
    session.flush()
    record(session, actor, "grants.group_payment_ready", "group", group.id, {"ready": ready})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_member(session: Session, actor, group: Group, email: str, role: str,
                  accept_url_for) -> GroupInvitation:
    """Create an invitation and email its link; `accept_url_for(token)` builds the link."""
    email = email.strip().lower()
    if role not in ("group_admin", "member"):
        raise GrantsError("Choose a role.", "role")
    token = secrets.token_urlsafe(32)
    invitation = GroupInvitation(group_id=group.id, email=email, role=role,
                                 token_hash=_token_hash(token), invited_by_id=actor.id,
                                 expires_at=utcnow() + INVITATION_LIFETIME)
    session.add(invitation)
    session.flush()
    send_email(session, email, f"You are invited to join {group.name} on Commonpot",
               f"Hello,\n\n{actor.display_name} has invited you to join {group.name} on "
               f"Commonpot, to work on grant applications together.\n\nAccept the invitation:"
               f"\n\n{accept_url_for(token)}\n\nThe link works for 7 days.\n")
    record(session, actor, "grants.group_invitation_sent", "group", group.id,
           {"invitation_id": invitation.id, "role": role})
    return invitation


def find_invitation(session: Session, token: str) -> GroupInvitation | None:
    return session.scalar(select(GroupInvitation).where(
        GroupInvitation.token_hash == _token_hash(token)))


def accept_invitation(session: Session, user, token: str) -> Group:
    invitation = find_invitation(session, token)
    if invitation is None or invitation.revoked_at is not None:
        raise GrantsError("This invitation link is not valid. Ask the group for a new one.")
    if invitation.accepted_at is not None:
        raise GrantsError("This invitation has already been used.")
    if invitation.expires_at <= utcnow():
        raise GrantsError("This invitation has expired. Ask the group to invite you again.")
    if invitation.email != user.email.lower():
        raise GrantsError("This invitation was sent to a different email address. Sign in "
                          "with that address to accept it.")
    existing = session.scalar(select(GroupMembership).where(
        GroupMembership.group_id == invitation.group_id, GroupMembership.user_id == user.id))
    if existing is None:
        session.add(GroupMembership(group_id=invitation.group_id, user_id=user.id,
                                    role=invitation.role))
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    session.flush()
    record(session, user, "grants.group_invitation_accepted", "group", invitation.group_id,
           {"invitation_id": invitation.id, "role": invitation.role})
    return invitation.group


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


def check_group_may_apply(session: Session, round_: Round, group: Group) -> None:
    if round_.allowed_org_types and group.org_type.value not in round_.allowed_org_types:
        allowed = ", ".join(OrgType(t).label.lower() for t in round_.allowed_org_types)
        raise GrantsError(f"This round is open to {allowed} only; "
                          f"{group.name} is registered as {group.org_type.label.lower()}.",
                          "group_id")
    count = active_application_count(session, round_.id, group.id)
    if count >= round_.max_applications_per_group:
        raise GrantsError(f"{group.name} already has {count} application(s) in this round, and "
                          f"each group may make at most {round_.max_applications_per_group}.",
                          "group_id")


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
    from grants.forms import question_problems

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


def screen_application(session: Session, user, application: Application, *, eligible: bool,
                       reason_code: str | None, reason_text: str) -> ScreeningDecision:
    round_ = application.round
    if round_.phase != RoundPhase.SCREENING:
        raise GrantsError("Eligibility is decided during the screening phase only.")
    if not eligible:
        if reason_code not in eligibility.SCREENING_REASONS:
            raise GrantsError("Choose the reason the application is not eligible.", "reason_code")
        if reason_code == "other" and not reason_text.strip():
            raise GrantsError("Explain the reason in a sentence or two.", "reason_text")
    target = ApplicationStatus.ELIGIBLE if eligible else ApplicationStatus.INELIGIBLE
    if application.status != target:
        check_application_transition(application.status, target)
    decision = application.screening
    if decision is None:
        decision = ScreeningDecision(application_id=application.id, eligible=eligible,
                                     decided_by_id=user.id)
        session.add(decision)
    decision.eligible = eligible
    decision.reason_code = None if eligible else reason_code
    decision.reason_text = reason_text.strip()
    decision.decided_by_id = user.id
    decision.decided_at = utcnow()
    changed = application.status != target
    application.status = target
    session.flush()
    message = "Eligible: goes forward to the panel" if eligible else \
        "Not eligible: " + eligibility.SCREENING_REASONS[reason_code]
    if changed:
        _timeline(session, application, target.value, message, user.id)
    record(session, user, "grants.application_screened", "application", application.id,
           {"eligible": eligible, "reason_code": decision.reason_code,
            "reason_text": decision.reason_text})
    if not eligible and changed:
        for address in _group_addresses(session, application):
            send_email(
                session, address,
                f"Your application {application.reference} is not eligible",
                f"Hello,\n\nThank you for applying to {round_.title}. We have checked "
                f"{application.group.name}'s application {application.reference} against the "
                f"round's published rules, and it is not eligible.\n\nReason: "
                f"{eligibility.SCREENING_REASONS[reason_code]}.\n"
                + (f"\n{decision.reason_text}\n" if decision.reason_text else "")
                + "\nIf you think this is a mistake, reply to the fund team.\n")
    return decision


def _group_addresses(session: Session, application: Application) -> list[str]:
    from commonpot.accounts.models import User

    emails = set(session.scalars(
        select(User.email).join(GroupMembership, GroupMembership.user_id == User.id)
        .where(GroupMembership.group_id == application.group_id,
               GroupMembership.role == "group_admin")))
    if application.group.contact_email:
        emails.add(application.group.contact_email)
    creator = session.get(User, application.created_by_id)
    if creator:
        emails.add(creator.email)
    return sorted(emails)
