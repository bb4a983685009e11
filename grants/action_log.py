"""The action log: the audit trail as fund managers read it, filtered by round, application,
person, action and date, one plain-English line per event ("who changed this and why").

Read-only, and tolerant of how the audit module stores things: an actor is "user:12" in
the hash chain and a pseudonym in the Merkle log (resolved through `AuditPerson` when the
audit module has it); `event.data` holds every field recorded, private ones included, which
is why this page is for fund managers and admins only. A fund manager sees the events about
their own funds: the fund, its rounds, their applications, panels and awards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.accounts.models import User
from commonpot.i18n import _
from commonpot.money import format_pence
from grants.models import Application, Award, Fund, Group, Round
from grants.timefmt import from_london, london
from grants.words import N_

AuditEvent = audit.AuditEvent
PER_PAGE = 50
_USER_ACTOR = re.compile(r"^user:(\d+)$")

# What each action says, after the person's name. {subject} is what it happened to;
# other names are payload fields (amounts in pence are shown as money). English here,
# translated when the page is built.
PHRASES = {
    "grants.fund_themes_set": N_("set the themes of {subject}"),
    "grants.areas_imported": N_("imported areas into {subject}"),
    "grants.round_created": N_("created {subject}"),
    "grants.round_updated": N_("changed the settings of {subject}"),
    "grants.criterion_added": N_("added the criterion \u201c{name}\u201d to {subject}"),
    "grants.question_added": N_("added a question to {subject}"),
    "grants.questions_copied": N_("copied questions into {subject}"),
    "grants.round_phase_changed": N_("moved {subject} from {from} to {to}"),
    "grants.round_publication_set": N_("changed what {subject} publishes"),
    "grants.group_created": N_("set up the group {subject}"),
    "grants.group_updated": N_("changed the details of {subject}"),
    "grants.application_started": N_("started {subject}"),
    "grants.application_submitted": N_("submitted {subject}"),
    "grants.application_withdrawn": N_("withdrew {subject}"),
    "grants.application_status_changed": N_("changed the status of {subject} from {from} to {to}"),
    "grants.application_screened": N_("screened {subject}"),
    "grants.attachment_added": N_("attached a file to {subject}"),
    "grants.attachment_removed": N_("removed a file from {subject}"),
    "panels.panel_configured": N_("set up {subject}"),
    "panels.member_added": N_("added a member to {subject}"),
    "panels.member_removed": N_("removed a member from {subject}"),
    "panels.conflict_declared": N_("made a conflict-of-interest declaration on {subject}"),
    "panels.reviewers_assigned": N_("assigned reviewers on {subject}"),
    "panels.review_reassigned": N_("reassigned a review of {subject}"),
    "panels.review_submitted": N_("submitted a review of {subject}"),
    "panels.review_reopened": N_("reopened a review of {subject}"),
    "panels.award_decided": N_("awarded {amount_pence} to {subject}"),
    "panels.decision_recorded": N_("recorded the decision \u201c{outcome}\u201d on {subject}"),
    "panels.decisions_released": N_("released the decisions of {subject}"),
    "panels.shortlist_set": N_("set the resident-vote shortlist of {subject}"),
    "panels.shortlist_sent": N_("sent the shortlist of {subject} to a resident vote"),
    "payments.schedule_created": N_("set the payment schedule of {subject}"),
}
# Free text a person wrote to explain an action, shown after the line.
_WHY_FIELDS = ("reason", "message", "reason_text")


@dataclass(frozen=True)
class LogFilters:
    round_id: int | None = None
    application_id: int | None = None
    person: str = ""  # email or name, any part
    action: str = ""
    since: date | None = None
    until: date | None = None


@dataclass
class LogLine:
    event: object
    when: str
    who: str
    text: str
    why: str


@dataclass
class LogPage:
    lines: list[LogLine]
    count: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // PER_PAGE))


def _subject_in(subject_type: str, id_query) -> object:
    return and_(AuditEvent.subject_type == subject_type,
                AuditEvent.subject_id.in_(select(cast(id_query.c[0], String)).select_from(id_query)))


def _scope_for_funds(fund_ids: set[int]):
    """Events about these funds, their rounds, applications, panels and awards."""
    from grants.panels.models import Panel

    rounds = select(Round.id).where(Round.fund_id.in_(fund_ids)).subquery()
    return or_(
        _subject_in("fund", select(Fund.id).where(Fund.id.in_(fund_ids)).subquery()),
        _subject_in("round", rounds),
        _subject_in("application", select(Application.id).where(
            Application.round_id.in_(select(rounds.c.id))).subquery()),
        _subject_in("panel", select(Panel.id).where(Panel.round_id.in_(select(rounds.c.id))).subquery()),
        _subject_in("award", select(Award.id).where(Award.fund_id.in_(fund_ids)).subquery()),
    )


def _scope_for_round(round_id: int):
    from grants.panels.models import Panel

    return or_(
        and_(AuditEvent.subject_type == "round", AuditEvent.subject_id == str(round_id)),
        _subject_in("application", select(Application.id).where(Application.round_id == round_id).subquery()),
        _subject_in("panel", select(Panel.id).where(Panel.round_id == round_id).subquery()),
        _subject_in("award", select(Award.id).where(Award.round_id == round_id).subquery()),
    )


def _scope_for_application(application_id: int):
    return or_(
        and_(AuditEvent.subject_type == "application", AuditEvent.subject_id == str(application_id)),
        _subject_in("award", select(Award.id).where(Award.application_id == application_id).subquery()),
    )


def actor_values(session: Session, person: str) -> list[str]:
    """Every way the log may name the people matching `person` (email or display name)."""
    pattern = f"%{person.strip().lower()}%"
    user_ids = list(session.scalars(select(User.id).where(or_(
        func.lower(User.email).like(pattern), func.lower(User.display_name).like(pattern)))))
    values = [f"user:{user_id}" for user_id in user_ids]
    person_model = getattr(audit, "AuditPerson", None)
    if person_model is not None and user_ids:
        values += list(session.scalars(select(person_model.pseudonym).where(
            person_model.user_id.in_(user_ids))))
    return values


def query_events(session: Session, filters: LogFilters, fund_ids: set[int] | None):
    """`fund_ids` None: everything (admins); otherwise only those funds' events."""
    query = select(AuditEvent)
    if fund_ids is not None:
        query = query.where(_scope_for_funds(fund_ids))
    if filters.round_id is not None:
        query = query.where(_scope_for_round(filters.round_id))
    if filters.application_id is not None:
        query = query.where(_scope_for_application(filters.application_id))
    if filters.person.strip():
        query = query.where(AuditEvent.actor.in_(actor_values(session, filters.person)))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since:
        query = query.where(AuditEvent.occurred_at >= from_london(datetime.combine(filters.since, time())))
    if filters.until:
        query = query.where(AuditEvent.occurred_at < from_london(
            datetime.combine(filters.until + timedelta(days=1), time())))
    return query


def search(session: Session, filters: LogFilters, fund_ids: set[int] | None, page: int = 1) -> LogPage:
    query = query_events(session, filters, fund_ids)
    count = session.scalar(query.with_only_columns(func.count(AuditEvent.seq)))
    page = max(1, page)
    events = list(session.scalars(query.order_by(AuditEvent.seq.desc())
                                  .limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return LogPage(lines=describe(session, events), count=count, page=page)


def actions_seen(session: Session, fund_ids: set[int] | None) -> list[tuple[str, str]]:
    """(action code, plain label) for the action filter."""
    query = select(AuditEvent.action).distinct()
    if fund_ids is not None:
        query = query.where(_scope_for_funds(fund_ids))
    return sorted(((a, action_label(a)) for a in session.scalars(query)), key=lambda pair: pair[1])


def action_label(action: str) -> str:
    domain, _dot, verb = action.partition(".")
    return f"{verb.replace('_', ' ').capitalize()} ({domain})" if verb else action


# --- lines ---------------------------------------------------------------------------------

class _Names:
    """Looks names up once per page."""

    def __init__(self, session: Session):
        self.session = session
        self.cache: dict[tuple[str, str], str] = {}

    def actor(self, actor: str) -> str:
        if actor in ("system", None, ""):
            return _("The system")
        match = _USER_ACTOR.match(actor)
        user_id = int(match.group(1)) if match else None
        person_model = getattr(audit, "AuditPerson", None)
        if user_id is None and person_model is not None:
            user_id = self.session.scalar(select(person_model.user_id).where(
                person_model.pseudonym == actor))
        if user_id is None:
            return actor if not match else _("A person")
        user = self.session.get(User, user_id)
        return user.display_name if user else _("A deleted account")

    def subject(self, subject_type: str, subject_id: str | None) -> str:
        key = (subject_type, subject_id or "")
        if key not in self.cache:
            self.cache[key] = self._subject(subject_type, subject_id)
        return self.cache[key]

    def _subject(self, subject_type: str, subject_id: str | None) -> str:
        number = int(subject_id) if subject_id and subject_id.isdigit() else None
        get = self.session.get
        if subject_type == "round" and number and (round_ := get(Round, number)):
            return _("the round “%(round)s”", round=round_.title)
        if subject_type == "application" and number and (application := get(Application, number)):
            name = application.title or _("an untitled application")
            return _("“%(project)s” (%(reference)s)", project=name,
                     reference=application.reference or _("draft"))
        if subject_type == "fund" and number and (fund := get(Fund, number)):
            return fund.name
        if subject_type == "group" and number and (group := get(Group, number)):
            return group.name
        if subject_type == "award" and number and (award := get(Award, number)):
            return _("the award to “%(project)s”", project=award.application.title)
        if subject_type == "panel" and number:
            from grants.panels.models import Panel

            panel = get(Panel, number)
            if panel is not None and panel.round is not None:
                return _("the panel of “%(round)s”", round=panel.round.title)
        if subject_type == "user" and number and (user := get(User, number)):
            return user.display_name
        return f"{subject_type.replace('_', ' ')} {subject_id or ''}".strip()


def _value(name: str, value) -> str:
    if name.endswith("_pence") and isinstance(value, int):
        return format_pence(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value).replace("_", " ") if value is not None else _("nothing")


def describe(session: Session, events) -> list[LogLine]:
    names = _Names(session)
    lines = []
    for event in events:
        data = getattr(event, "data", {}) or {}
        values = {k: _value(k, v) for k, v in data.items() if not isinstance(v, dict | list)}
        values["subject"] = names.subject(event.subject_type, event.subject_id)
        phrase = PHRASES.get(event.action)
        try:
            text = _(phrase).format_map(_Missing(values)) if phrase else \
                f"{action_label(event.action).lower()}: {values['subject']}"
        except (ValueError, IndexError):
            text = f"{action_label(event.action).lower()}: {values['subject']}"
        why = next((str(data[k]) for k in _WHY_FIELDS
                    if isinstance(data.get(k), str) and data[k].strip()), "")
        lines.append(LogLine(event=event, when=london(event.occurred_at), who=names.actor(event.actor),
                             text=text, why=why))
    return lines


class _Missing(dict):
    def __missing__(self, key):
        return "\u2026"
