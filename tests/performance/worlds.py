"""Worlds of a given size for the query-count test: n applications, n proposals, n awards...

Rows go straight into the migrated tables (one flush per kind of row), which is what makes
500 of everything quick to build; the people who sign in are made through the real
operations (tests/conftest.py `make_user`) so their passwords and roles are real.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import insert, select, update

from commonpot.accounts.models import User
from commonpot.db import utcnow
from grants.models import (
    Application,
    Award,
    BudgetLine,
    Criterion,
    Fund,
    Funder,
    Group,
    GroupMembership,
    Question,
    Round,
)
from grants.panels.models import (
    ConflictDeclaration,
    Panel,
    PanelDecision,
    PanelMember,
    Review,
    ReviewAssignment,
    Score,
)
from grants.panels.states import Outcome, PanelRole, Recommendation, ReviewStatus
from grants.states import ApplicationStatus, AwardStatus, RoundPhase

REVIEWERS = 3


@dataclass
class World:
    app: object
    make_user: object
    session: object
    tag: str
    ids: dict = field(default_factory=dict)

    def person(self, role: str, **kwargs) -> tuple[str, int]:
        """A real account (argon2, roles through the operations); returns (email, id)."""
        self.session.commit()  # SQLite: make_user writes through the app's own session
        email = f"{role}-{self.tag}@example.org"
        return email, self.make_user(email, **kwargs)

    def bulk_users(self, n: int, prefix: str) -> list[int]:
        """n accounts in one statement (they never sign in: the hash is a placeholder)."""
        now = utcnow()
        self.session.execute(insert(User), [
            {"email": f"{prefix}{i}-{self.tag}@example.org", "display_name": f"{prefix.title()} {i}",
             "password_hash": "not-a-hash", "email_verified_at": now, "is_admin": False,
             "is_steward": False, "password_changed_at": now, "created_at": now,
             "session_version": 0} for i in range(n)])
        return list(self.session.scalars(select(User.id).where(
            User.email.like(f"{prefix}%-{self.tag}@example.org")).order_by(User.id)))


def fund(w: World) -> Fund:
    funder = Funder(name=f"Funder {w.tag}", identifier_prefix=f"360G-{w.tag}", org_id=f"GB-{w.tag}")
    w.session.add(funder)
    w.session.flush()
    f = Fund(funder_id=funder.id, name=f"Fund {w.tag}", slug=f"fund-{w.tag}", budget_pence=10**9)
    w.session.add(f)
    w.session.flush()
    return f


def grant_round(w: World, fund_: Fund, *, phase=RoundPhase.SCORING, slug: str | None = None,
                uses_voting=False) -> Round:
    now = utcnow()
    round_ = Round(fund_id=fund_.id, slug=slug or f"round-{w.tag}", title=f"Round {w.tag}",
                   description="A round.", opens_at=now - timedelta(days=30),
                   closes_at=now - timedelta(days=1), min_grant_pence=0, max_grant_pence=10**8,
                   budget_pence=10**7, phase=phase, uses_voting=uses_voting)
    w.session.add(round_)
    w.session.flush()
    w.session.add_all([Criterion(round_id=round_.id, name="Need", weight=3, position=0),
                       Criterion(round_id=round_.id, name="Plan", weight=1, position=1),
                       Question(round_id=round_.id, key="summary", type="long_text", label="Summary",
                                step=1)])
    w.session.flush()
    return round_


def groups(w: World, n: int) -> list[Group]:
    return list(w.session.scalars(insert(Group).returning(Group, sort_by_parameter_order=True), [
        {"name": f"Group {i} {w.tag}", "slug": f"group-{i}-{w.tag}", "postcode": "RT1 4AB"}
        for i in range(n)]))


def applications(w: World, round_: Round, owners: list[Group], creator_id: int, n: int, *,
                 status=ApplicationStatus.ELIGIBLE, lines: int = 2) -> list[Application]:
    now = utcnow()
    made = list(w.session.scalars(
        insert(Application).returning(Application, sort_by_parameter_order=True), [
            {"round_id": round_.id, "group_id": owners[i % len(owners)].id, "created_by_id": creator_id,
             "status": status, "title": f"Project {i}", "requested_amount_pence": 50_000 + i,
             "reference": f"CP-{w.tag}-{i:06d}", "submitted_at": now - timedelta(minutes=n - i),
             "theme": "Environment", "answers": {"summary": f"Summary {i}"},
             "project_postcode": "RT1 4AB", "created_at": now, "updated_at": now}
            for i in range(n)]))
    if lines:
        w.session.execute(insert(BudgetLine), [
            {"application_id": a.id, "description": f"Line {k}", "category": "equipment",
             "amount_pence": 10_000 + k, "position": k} for a in made for k in range(lines)])
    return made


def panel(w: World, round_: Round, chair_id: int, reviewer_ids: list[int],
          apps: list[Application], *, decide: bool = True) -> Panel:
    """A panel whose reviewers have each declared on, scored and submitted every application."""
    now = utcnow()
    p = Panel(round_id=round_.id, reviewers_per_application=len(reviewer_ids))
    w.session.add(p)
    w.session.flush()
    w.session.add(PanelMember(panel_id=p.id, user_id=chair_id, role=PanelRole.CHAIR))
    w.session.add_all(PanelMember(panel_id=p.id, user_id=r, role=PanelRole.MEMBER) for r in reviewer_ids)
    w.session.flush()
    criteria = list(w.session.scalars(select(Criterion.id).where(Criterion.round_id == round_.id)))
    pairs = [(a.id, r) for a in apps for r in reviewer_ids]
    w.session.execute(insert(ReviewAssignment), [
        {"panel_id": p.id, "application_id": a, "reviewer_id": r, "assigned_at": now} for a, r in pairs])
    w.session.execute(insert(ConflictDeclaration), [
        {"application_id": a, "reviewer_id": r, "has_conflict": False, "details": "",
         "declared_at": now} for a, r in pairs])
    review_ids = list(w.session.scalars(insert(Review).returning(Review.id, sort_by_parameter_order=True), [
        {"panel_id": p.id, "application_id": a, "reviewer_id": r, "status": ReviewStatus.SUBMITTED,
         "recommendation": Recommendation.FUND, "note_to_applicant": "Good.", "submitted_at": now,
         "updated_at": now} for a, r in pairs]))
    w.session.execute(insert(Score), [
        {"review_id": rv, "criterion_id": c, "value": (rv + c) % 6, "comment": "ok"}
        for rv in review_ids for c in criteria])
    if decide:
        w.session.execute(insert(PanelDecision), [
            {"round_id": round_.id, "application_id": a.id, "outcome": Outcome.DECLINE,
             "feedback": "Not this time.", "reason": "", "decided_by_id": chair_id, "decided_at": now}
            for a in apps[::2]])
    return p


def awards(w: World, round_: Round, apps: list[Application], decider_id: int, *,
           released=True) -> list[Award]:
    now = utcnow()
    made = list(w.session.scalars(insert(Award).returning(Award, sort_by_parameter_order=True), [
        {"application_id": a.id, "round_id": round_.id, "fund_id": round_.fund_id,
         "amount_pence": a.requested_amount_pence, "status": AwardStatus.ACCEPTED,
         "decided_by_id": decider_id, "decided_at": now,
         "released_at": now - timedelta(days=1) if released else None} for a in apps]))
    w.session.execute(update(Application).where(Application.id.in_([a.id for a in apps]))
                      .values(status=ApplicationStatus.AWARDED))
    return made


def membership(w: World, group: Group, user_id: int, role: str = "group_admin") -> None:
    w.session.add(GroupMembership(group_id=group.id, user_id=user_id, role=role))
    w.session.flush()


ADULT = date(1980, 5, 17)


def voting_round(w: World, n: int, state=None) -> int:
    """A voting round (made through the operations with six projects, moved to `state`)
    topped up to n feasible projects across its three districts."""
    from tests.voting.factories import create_round
    from voting.models import District, Proposal, ProposalState
    from voting.states import RoundState

    round_id = create_round(w.session, state=state or RoundState.VOTING, fund_id=None,
                            title=f"Round {w.tag}").id
    districts = list(w.session.scalars(select(District.id).where(District.round_id == round_id)
                                       .order_by(District.id)))
    now = utcnow()
    if n > 6:
        w.session.execute(insert(Proposal), [
            {"round_id": round_id, "district_id": districts[i % len(districts)], "title": f"Project {i}",
             "summary": f"Project {i} for Rivertown.", "requested_pence": 100_000 + i,
             "cost_pence": 100_000 + i, "state": ProposalState.FEASIBLE, "review_reason": "Checked.",
             "created_at": now} for i in range(n - 6)])
    w.session.commit()
    return round_id
