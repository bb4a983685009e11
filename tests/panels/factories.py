"""Build rounds, applications and panels for panel tests.

The grants operations that open, screen and advance rounds belong to the grants module;
these factories put rows straight into the state a panel works on (an eligible
application in a round at a given phase). Panels themselves are built through
grants.panels.operations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy import select

from commonpot.accounts.models import User
from commonpot.extensions import db
from grants.models import Application, Criterion, Fund, Funder, Group, GroupMembership, Question, Round
from grants.panels import operations
from grants.states import ApplicationStatus, RoundPhase

_seq = count(1)


def create_fund(session, budget_pence: int = 10_000_000) -> Fund:
    n = next(_seq)
    funder = Funder(name=f"Foundation {n}", identifier_prefix=f"360G-t{n}", org_id=f"GB-CHC-9{n:06d}")
    session.add(funder)
    session.flush()
    fund = Fund(funder_id=funder.id, name=f"Fund {n}", slug=f"fund-{n}", budget_pence=budget_pence)
    session.add(fund)
    session.flush()
    return fund


def create_round(session, fund: Fund, *, phase=RoundPhase.SCORING, budget_pence: int = 1_000_000,
                 criteria=(("Need", 3), ("Plan", 1)), uses_voting: bool = False) -> Round:
    n = next(_seq)
    now = datetime.now(UTC)
    round_ = Round(fund_id=fund.id, slug=f"round-{n}", title=f"Round {n}", description="",
                   opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1),
                   min_grant_pence=0, max_grant_pence=budget_pence, budget_pence=budget_pence,
                   phase=phase, uses_voting=uses_voting)
    session.add(round_)
    session.flush()
    for position, (name, weight) in enumerate(criteria):
        session.add(Criterion(round_id=round_.id, name=name, weight=weight, position=position))
    session.add(Question(round_id=round_.id, key="summary", type="long_text", label="Summary", step=1))
    session.add(Question(round_id=round_.id, key="who_we_are", type="long_text", label="Who are you?",
                         step=1, position=1))
    session.flush()
    session.refresh(round_)
    return round_


def create_group(session, name: str | None = None, members=()) -> Group:
    n = next(_seq)
    group = Group(name=name or f"Group {n}", slug=f"group-{n}")
    session.add(group)
    session.flush()
    for user_id in members:
        session.add(GroupMembership(group_id=group.id, user_id=user_id, role="group_admin"))
    session.flush()
    return group


def create_application(session, round_: Round, group: Group, *, creator_id: int, title: str | None = None,
                       requested_pence: int = 100_000,
                       status: ApplicationStatus = ApplicationStatus.ELIGIBLE) -> Application:
    n = next(_seq)
    application = Application(
        round_id=round_.id, group_id=group.id, created_by_id=creator_id, status=status,
        title=title or f"Project {n}", requested_amount_pence=requested_pence,
        reference=f"CP-TEST-{n:06d}", submitted_at=datetime.now(UTC),
        answers={"summary": f"Summary of project {n}", "who_we_are": f"We are {group.name}"})
    session.add(application)
    session.flush()
    return application


def user(session, user_id: int) -> User:
    return session.get(User, user_id)


def create_panel(session, round_: Round, *, chair_id: int, member_ids=(), resident_ids=(),
                 **settings) -> operations.Panel:
    panel = operations.configure_panel(session, "system", round_, **settings)
    operations.add_member(session, "system", panel, user(session, chair_id), role="chair")
    for member_id in member_ids:
        operations.add_member(session, "system", panel, user(session, member_id), role="member",
                              is_resident=member_id in resident_ids)
    return panel


def score(session, reviewer_id: int, application: Application, values, *, recommendation="fund",
          note="", submit=True):
    """Declare no conflict (if not yet) and score each criterion in position order."""
    reviewer = user(session, reviewer_id)
    if operations.declaration_for(session, reviewer_id, application.id) is None:
        operations.declare_conflict(session, reviewer, application, has_conflict=False)
    criteria = application.round.criteria
    return operations.save_review(
        session, reviewer, application,
        scores={c.id: (v, "") for c, v in zip(criteria, values, strict=True)},
        recommendation=recommendation, note_to_applicant=note, submit=submit)


def commit():
    db.session.commit()


def find(session, model, **where):
    return session.scalar(select(model).filter_by(**where))
