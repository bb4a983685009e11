"""The demo panels: seeded on the grants demo's rounds, and only once."""

from sqlalchemy import func, select

from commonpot.demo import seed_people
from grants.models import Application, Award, Fund, Round
from grants.panels import demo, operations
from grants.panels.models import PanelDecision, Review
from grants.states import ApplicationStatus, RoundPhase
from tests.panels import factories as f


def _rounds_like_the_grants_demo(s):
    seed_people(s)
    fund = s.scalar(select(Fund).where(Fund.slug == "rivertown-neighbourhood-fund"))
    group = f.create_group(s)
    creator = s.scalar(select(f.User.id).where(f.User.email == "group@demo.commonpot.org"))
    winter = f.create_round(s, fund, phase=RoundPhase.SCORING)
    winter.slug = "winter-2027"
    for _ in range(3):
        f.create_application(s, winter, group, creator_id=creator)
    autumn = f.create_round(s, fund, phase=RoundPhase.DECIDED)
    autumn.slug = "autumn-2026"
    won = f.create_application(s, autumn, group, creator_id=creator, status=ApplicationStatus.AWARDED)
    f.create_application(s, autumn, group, creator_id=creator, status=ApplicationStatus.NOT_AWARDED)
    s.add(Award(application_id=won.id, round_id=autumn.id, fund_id=fund.id, amount_pence=90_000,
                status="accepted", decided_by_id=creator, released_at=f.datetime.now(f.UTC),
                partial_reason="Flyers not funded"))


def test_demo_panels_are_seeded_once(db_scope):
    with db_scope() as s:
        _rounds_like_the_grants_demo(s)
    with db_scope() as s:
        assert demo.seed(s) is True
    with db_scope() as s:
        assert demo.seed(s) is False
    with db_scope() as s:
        winter = s.scalar(select(Round).where(Round.slug == "winter-2027"))
        panel = operations.panel_for_round(s, winter.id)
        assert [(m.user.email, m.role, m.is_resident) for m in operations.active_members(s, panel)] == [
            ("chair@demo.commonpot.org", "chair", False), ("panel@demo.commonpot.org", "member", True)]
        assert len(operations.active_assignments(s, panel)) == 6
        statuses = sorted(r.status for r in s.scalars(select(Review)))
        assert statuses == ["draft", "submitted", "submitted", "submitted"]
        decisions = s.scalars(select(PanelDecision).order_by(PanelDecision.application_id)).all()
        assert [(d.outcome, d.amount_pence, d.reason) for d in decisions] == [
            ("award", 90_000, "Flyers not funded"), ("decline", None, "")]
        assert all(d.released_at for d in decisions)
        assert s.scalar(select(func.count(Application.id))) == 5
