"""Two chairs deciding at once cannot overspend: the round row is locked while checking."""

import threading

import pytest
from sqlalchemy import select

from commonpot.extensions import db
from grants.models import Application, Award
from grants.panels import operations
from tests.panels import factories as f


@pytest.mark.postgres_only
def test_concurrent_awards_cannot_exceed_the_budget(app, db_scope, panel_world):
    # Two awards of £1,500 against a £2,500 budget: each fits alone, not both.
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(app_id):
        with app.app_context():
            try:
                application = db.session.get(Application, app_id)
                chair = f.user(db.session, panel_world.chair)
                barrier.wait(timeout=10)
                operations.decide_award(db.session, chair, application, 150_000, "Part of the cost")
                db.session.commit()
                outcomes.append("awarded")
            except operations.BudgetExceeded:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    with db_scope() as s:
        for app_id in panel_world.apps[:2]:
            s.get(Application, app_id).requested_amount_pence = 150_000
    threads = [threading.Thread(target=decide, args=(a,)) for a in panel_world.apps[:2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["awarded", "refused"]
    with db_scope() as s:
        assert sum(s.scalars(select(Award.amount_pence))) == 150_000
