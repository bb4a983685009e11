"""Funding rounds: settings, criteria and questions, phase changes and the round clock.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot.audit import record
from commonpot.db import utcnow
from commonpot.i18n import _, ngettext
from grants.errors import GrantsError
from grants.models import (
    Application,
    Criterion,
    Fund,
    OrgType,
    Question,
    QuestionType,
    Round,
)
from grants.states import (
    ApplicationStatus,
    RoundNotReady,
    RoundPhase,
    RoundTransitionError,
    check_round_transition,
)

DEFAULT_ASSET_QUESTIONS = [
    ("assets_people", "What people and skills does your group bring?",
     "For example volunteers' time, trades, languages or experience."),
    ("assets_places", "What places can your group use?",
     "For example a hall, a garden, a room in a school, or a park you look after."),
    ("assets_partners", "Who will you work with?",
     "Other groups, schools, businesses or services that support the project."),
]
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
        raise GrantsError(_("The closing time must be after the opening time."), "closes_at")
    if settings.min_grant_pence < 0:
        raise GrantsError(_("The smallest grant cannot be negative."), "min_grant")
    if settings.max_grant_pence < settings.min_grant_pence:
        raise GrantsError(_("The largest grant must be at least the smallest grant."), "max_grant")
    if settings.budget_pence < settings.max_grant_pence:
        raise GrantsError(_("The round's total must be at least its largest grant."), "budget")
    if settings.max_applications_per_group < 1:
        raise GrantsError(_("Allow at least one application per group."),
                          "max_applications_per_group")
    unknown = set(settings.allowed_org_types) - {t.value for t in OrgType}
    if unknown:
        raise GrantsError(_("Choose organisation types from the list."), "allowed_org_types")


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
        raise GrantsError(_("A round's rules cannot change once screening has started."))
    _check_settings(settings)
    if round_.phase != RoundPhase.DRAFT:
        # Published rules are the same for everyone: once open only dates and wording move.
        for name in ("min_grant_pence", "max_grant_pence", "allowed_org_types",
                     "max_applications_per_group", "restrict_to_area"):
            if getattr(settings, name) != getattr(round_, name):
                raise GrantsError(_("Eligibility rules and grant limits cannot change once a round has "
                                    "opened."), name)
    before = {"opens_at": round_.opens_at.isoformat(), "closes_at": round_.closes_at.isoformat()}
    for name, value in settings.__dict__.items():
        setattr(round_, name, value)
    session.flush()
    record(session, actor, "grants.round_updated", "round", round_.id,
           {"before": before, "opens_at": round_.opens_at.isoformat(),
            "closes_at": round_.closes_at.isoformat()})


def _require_draft(round_: Round) -> None:
    if round_.phase != RoundPhase.DRAFT:
        raise GrantsError(_("Questions cannot change once the round has opened: groups may "
                            "already be answering them."))


# Phases after which decisions are being made: criteria stay as the panel used them.
_CRITERIA_FROZEN_PHASES = frozenset({RoundPhase.VOTING, RoundPhase.DECIDING, RoundPhase.DECIDED,
                                     RoundPhase.MONITORING, RoundPhase.ARCHIVED})


def criteria_scored(session: Session, round_: Round) -> bool:
    """Whether any reviewer has scored against this round's criteria."""
    from grants.panels.models import Score

    return session.scalar(select(Score.id).join(Criterion, Criterion.id == Score.criterion_id)
                          .where(Criterion.round_id == round_.id).limit(1)) is not None


def criteria_changeable(session: Session, round_: Round) -> bool:
    """Criteria may change (be added, edited, reordered, deleted) until reviewers score."""
    return round_.phase not in _CRITERIA_FROZEN_PHASES and not criteria_scored(session, round_)


def _require_criteria_changeable(session: Session, round_: Round) -> None:
    if not criteria_changeable(session, round_):
        raise GrantsError(_("Criteria cannot change once reviewers have scored against them: "
                            "every application must be judged on the same criteria."))


def _check_weight(weight: int | None) -> int:
    if weight is None or weight < 1:
        raise GrantsError(_("Give the criterion a weight of at least 1: a weight of 0 would "
                            "leave it out of every score."), "weight")
    if weight > 100:
        raise GrantsError(_("Give the criterion a weight of 100 or less."), "weight")
    return weight


def add_criterion(session: Session, actor, round_: Round, *, name: str, description: str,
                  weight: int) -> Criterion:
    _require_criteria_changeable(session, round_)
    weight = _check_weight(weight)
    name = name.strip()
    if any(c.name == name for c in round_.criteria):
        raise GrantsError(_("This round already has a criterion with that name."), "name")
    criterion = Criterion(name=name, description=description, weight=weight,
                          position=len(round_.criteria))
    round_.criteria.append(criterion)
    session.flush()
    record(session, actor, "grants.criterion_added", "round", round_.id,
           {"criterion_id": criterion.id, "name": name, "weight": weight})
    return criterion


def edit_criterion(session: Session, actor, criterion: Criterion, *, name: str, description: str,
                   weight: int) -> Criterion:
    round_ = criterion.round
    _require_criteria_changeable(session, round_)
    weight = _check_weight(weight)
    name = name.strip()
    if any(c.name == name and c.id != criterion.id for c in round_.criteria):
        raise GrantsError(_("This round already has a criterion with that name."), "name")
    criterion.name, criterion.description, criterion.weight = name, description.strip(), weight
    session.flush()
    record(session, actor, "grants.criterion_changed", "round", round_.id,
           {"criterion_id": criterion.id, "name": name, "weight": weight})
    return criterion


def _swap(items: list, item, direction: str) -> bool:
    """Move `item` one place up or down in `items` (renumbering positions 0..n-1)."""
    if direction not in ("up", "down"):
        raise GrantsError(_("Choose to move it up or down."))
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    for position, entry in enumerate(items):
        entry.position = position
    return True


def move_criterion(session: Session, actor, criterion: Criterion, direction: str) -> None:
    round_ = criterion.round
    _require_criteria_changeable(session, round_)
    if _swap(list(round_.criteria), criterion, direction):
        session.flush()
        session.refresh(round_, ["criteria"])
        record(session, actor, "grants.criterion_moved", "round", round_.id,
               {"criterion_id": criterion.id, "direction": direction})


def delete_criterion(session: Session, actor, criterion: Criterion) -> None:
    round_ = criterion.round
    _require_criteria_changeable(session, round_)
    remaining = [c for c in round_.criteria if c.id != criterion.id]
    details = {"criterion_id": criterion.id, "name": criterion.name}
    round_.criteria.remove(criterion)
    session.delete(criterion)
    for position, entry in enumerate(remaining):
        entry.position = position
    session.flush()
    record(session, actor, "grants.criterion_deleted", "round", round_.id, details)


def _question_key(round_: Round, label: str) -> str:
    base = "_".join("".join(c if c.isalnum() else " " for c in label.lower()).split())[:40] or "q"
    taken = {q.key for q in round_.questions}
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def _question_shape(type: str, options: list[str] | None, word_limit: int | None,
                    ) -> tuple[QuestionType, list[str], int | None]:
    question_type = QuestionType(type)
    options = [o.strip() for o in (options or []) if o.strip()]
    if question_type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE) \
            and len(options) < 2:
        raise GrantsError(_("Give at least two options, one on each line."), "options")
    if question_type == QuestionType.LONG_TEXT and not word_limit:
        word_limit = 300
    if word_limit is not None and word_limit <= 0:
        raise GrantsError(_("The word limit must be a positive number."), "word_limit")
    return question_type, options, word_limit if question_type == QuestionType.LONG_TEXT else None


def add_question(session: Session, actor, round_: Round, *, type: str, label: str,
                 hint: str = "", required: bool = True, options: list[str] | None = None,
                 word_limit: int | None = None, step: int = 1, key: str | None = None,
                 is_asset: bool = False) -> Question:
    _require_draft(round_)
    question_type, options, word_limit = _question_shape(type, options, word_limit)
    step = max(1, min(step, 99))
    question = Question(
        key=key or _question_key(round_, label), type=question_type,
        label=label, hint=hint, required=required, options=options, word_limit=word_limit,
        step=step, position=1 + max((q.position for q in round_.questions if q.step == step),
                                    default=-1),
        is_asset=is_asset)
    round_.questions.append(question)
    session.flush()
    record(session, actor, "grants.question_added", "round", round_.id,
           {"question_id": question.id, "key": question.key, "type": question_type.value})
    return question


def edit_question(session: Session, actor, question: Question, *, type: str, label: str,
                  hint: str = "", required: bool = True, options: list[str] | None = None,
                  word_limit: int | None = None, step: int = 1) -> Question:
    round_ = question.round
    _require_draft(round_)
    question_type, options, word_limit = _question_shape(type, options, word_limit)
    step = max(1, min(step, 99))
    if step != question.step:
        question.position = 1 + max((q.position for q in round_.questions if q.step == step),
                                    default=-1)
    question.type, question.label, question.hint = question_type, label.strip(), hint.strip()
    question.required, question.options, question.word_limit = required, options, word_limit
    question.step = step
    session.flush()
    session.refresh(round_, ["questions"])
    record(session, actor, "grants.question_changed", "round", round_.id,
           {"question_id": question.id, "key": question.key, "type": question_type.value})
    return question


def move_question(session: Session, actor, question: Question, direction: str) -> None:
    """Up or down among the questions on the same step (the step itself is set by editing)."""
    round_ = question.round
    _require_draft(round_)
    same_step = [q for q in round_.questions if q.step == question.step]
    if _swap(same_step, question, direction):
        session.flush()
        session.refresh(round_, ["questions"])
        record(session, actor, "grants.question_moved", "round", round_.id,
               {"question_id": question.id, "direction": direction})


def delete_question(session: Session, actor, question: Question) -> None:
    round_ = question.round
    _require_draft(round_)
    details = {"question_id": question.id, "key": question.key}
    round_.questions.remove(question)
    session.delete(question)
    for position, entry in enumerate(q for q in round_.questions if q.step == question.step):
        entry.position = position
    session.flush()
    record(session, actor, "grants.question_deleted", "round", round_.id, details)


def copy_questions(session: Session, actor, round_: Round, source: Round) -> int:
    """Copy an earlier round's questions (and criteria) into a draft round."""
    _require_draft(round_)
    if source.id == round_.id:
        raise GrantsError(_("Choose a different round to copy from."), "source")
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


def missing_before_opening(round_: Round, now: datetime | None = None) -> list[str]:
    """What a draft still needs before it can open, in words for the fund manager; empty
    when it is ready: published criteria with positive weights, at least one question of its
    own (the asset questions come with every round), money to award, and a closing time
    still ahead."""
    now = now or utcnow()
    missing = []
    if not round_.criteria:
        missing.append(_("Add at least one criterion for the panel to score against."))
    unweighted = [c.name for c in round_.criteria if c.weight < 1]
    if unweighted:
        missing.append(_("Give every criterion a weight of at least 1 (not yet: %(names)s).",
                         names=", ".join(unweighted)))
    if not any(not q.is_asset for q in round_.questions):
        missing.append(_("Add at least one question for groups to answer."))
    if round_.budget_pence <= 0 or round_.max_grant_pence <= 0:
        missing.append(_("Set the money this round may award: its total and its largest grant."))
    if round_.closes_at <= now:
        missing.append(_("Move the closing time into the future."))
    return missing


def _round_guard(session: Session, round_: Round, target: RoundPhase, now: datetime) -> str | None:
    """Why the move is refused, or None when it may go ahead."""
    if target == RoundPhase.SCORING:
        waiting = session.scalar(select(func.count(Application.id)).where(
            Application.round_id == round_.id,
            Application.status == ApplicationStatus.SUBMITTED))
        if waiting:
            return ngettext("%(num)d application still needs an eligibility decision.",
                            "%(num)d applications still need an eligibility decision.", waiting)
    if target == RoundPhase.DECIDING and round_.phase == RoundPhase.SCORING and round_.uses_voting:
        return _("This round has a public vote: move it to the public vote first.")
    if target == RoundPhase.VOTING and not round_.uses_voting:
        return _("This round has no public vote.")
    return None


def transition_round(session: Session, actor, round_: Round, target: RoundPhase | str, *,
                     reason: str, now: datetime | None = None) -> Round:
    """The one way a round changes phase: table check, guards, audit event."""
    now = now or utcnow()
    target = RoundPhase(target)
    current = RoundPhase(round_.phase)
    check_round_transition(current, target)
    if target == RoundPhase.OPEN:
        missing = missing_before_opening(round_, now)
        if missing:
            raise RoundNotReady(current, missing)
    refusal = _round_guard(session, round_, target, now)
    if refusal:
        raise RoundTransitionError(current, target, refusal)
    round_.phase = target
    round_.phase_changed_at = now
    session.flush()
    record(session, actor, "grants.round_phase_changed", "round", round_.id,
           {"from": current.value, "to": target.value, "reason": reason})
    return round_


def schedule_round(session: Session, actor, round_: Round, now: datetime | None = None) -> Round:
    """The fund manager says a draft is ready: it opens now if its opening time has passed,
    otherwise the clock opens it then. Refused, with everything missing, if it is not ready."""
    now = now or utcnow()
    if round_.phase != RoundPhase.DRAFT:
        raise GrantsError(_("Only a draft round can be scheduled to open."))
    missing = missing_before_opening(round_, now)
    if missing:
        raise RoundNotReady(round_.phase, missing)
    round_.scheduled_at = now
    session.flush()
    record(session, actor, "grants.round_scheduled", "round", round_.id,
           {"opens_at": round_.opens_at.isoformat()})
    if round_.opens_at <= now:
        transition_round(session, actor, round_, RoundPhase.OPEN, now=now,
                         reason="ready, and its opening time has passed")
    return round_


def unschedule_round(session: Session, actor, round_: Round) -> Round:
    """Back to setting up: the clock leaves the draft alone until it is scheduled again."""
    if round_.phase != RoundPhase.DRAFT:
        raise GrantsError(_("The round has already opened."))
    round_.scheduled_at = None
    session.flush()
    record(session, actor, "grants.round_unscheduled", "round", round_.id, {})
    return round_


def _due(now: datetime):
    return (((Round.phase == RoundPhase.DRAFT) & Round.scheduled_at.is_not(None)
             & (Round.opens_at <= now) & (Round.closes_at > now))
            | ((Round.phase == RoundPhase.OPEN) & (Round.closes_at <= now)))


def tick_rounds(session: Session, now: datetime | None = None) -> list[tuple[str, str, str]]:
    """Open scheduled drafts and close open rounds whose times have come. Returns
    (slug, from, to) moves."""
    now = now or utcnow()
    moves = []
    due = session.scalars(select(Round).where(_due(now)).order_by(Round.id)).all()
    for round_ in due:
        target = RoundPhase.OPEN if round_.phase == RoundPhase.DRAFT else RoundPhase.CLOSED
        if target == RoundPhase.OPEN and missing_before_opening(round_, now):
            continue  # changed since it was scheduled; managers see why on its page
        before = round_.phase
        transition_round(session, "system", round_, target, now=now,
                         reason="opening time reached" if target == RoundPhase.OPEN
                         else "closing time reached")
        moves.append((round_.slug, before.value, target.value))
    return moves


def rounds_due(session: Session, now: datetime | None = None) -> bool:
    """Cheap check for the per-request clock: is any round due to open or close?"""
    now = now or utcnow()
    return session.scalar(select(Round.id).where(_due(now)).limit(1)) is not None


def opened_before_opening_time(round_: Round, now: datetime | None = None) -> bool:
    """An open round a manager opened by hand ahead of its opening time: applications start
    at the opening time, and the round's page says when."""
    now = now or utcnow()
    return round_.phase == RoundPhase.OPEN and now < round_.opens_at


def accepting_applications(round_: Round, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return round_.phase == RoundPhase.OPEN and round_.opens_at <= now < round_.closes_at


