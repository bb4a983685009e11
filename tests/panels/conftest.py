"""Panel test fixtures.

Arrange and assert inside short app contexts (`db_scope`), never across a request: a
request reuses an app context that is already pushed, and with it `g` (the signed-in user,
the CSRF token) and the database session, so a long-lived context would blur who is asking.
"""

from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from commonpot.extensions import db
from tests.panels import factories as f


@pytest.fixture
def db_scope(app):
    @contextmanager
    def scope():
        with app.app_context():
            try:
                yield db.session
                db.session.commit()
            finally:
                db.session.remove()
    return scope


@dataclass
class PanelWorld:
    fund_id: int
    round_id: int
    chair: int
    harsh: int
    generous: int
    manager: int
    applicant: int
    group_id: int
    apps: list  # application ids


@pytest.fixture
def panel_world(db_scope, make_user):
    """A round in scoring with a chair, two reviewers (everyone reviews everything) and
    four eligible applications from one group, asking for £1,000 each from a £2,500 budget."""
    with db_scope() as s:
        fund_id = f.create_fund(s).id
    chair = make_user("chair@example.org", name="Chris Chair")
    harsh = make_user("harsh@example.org", name="Hari Harsh")
    generous = make_user("generous@example.org", name="Gina Generous")
    manager = make_user("manager@example.org", fund_roles=[(fund_id, "fund_manager")])
    applicant = make_user("applicant@example.org", name="Ann Applicant")
    with db_scope() as s:
        round_ = f.create_round(s, s.get(f.Fund, fund_id), budget_pence=250_000)
        group = f.create_group(s, "Riverside Gardeners", members=[applicant])
        apps = [f.create_application(s, round_, group, creator_id=applicant, title=f"Project {c}")
                for c in "ABCD"]
        f.create_panel(s, round_, chair_id=chair, member_ids=[harsh, generous], resident_ids=[generous])
        return PanelWorld(fund_id, round_.id, chair, harsh, generous, manager, applicant, group.id,
                          [a.id for a in apps])
