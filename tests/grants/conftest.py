import pytest

from commonpot.extensions import db
from tests.grants.factories import create_fund, create_group, create_round


@pytest.fixture
def grants_world(app, make_user):
    """A fund with an area, an open round, a manager, and a group with a signed-up admin."""
    with app.app_context():
        fund = create_fund(db.session)
        db.session.commit()
        fund_id = fund.id
    manager = make_user("manager@example.org", fund_roles=[(fund_id, "fund_manager")])
    member = make_user("gwen@example.org")
    other = make_user("olu@example.org")
    with app.app_context():
        round_ = create_round(db.session, db.session.get(type(fund), fund_id))
        group = create_group(db.session, member)
        other_group = create_group(db.session, other, name="Other Group", postcode="RT2 1XY")
        db.session.commit()
        return {"fund_id": fund_id, "round_slug": round_.slug, "round_id": round_.id,
                "group_id": group.id, "other_group_id": other_group.id, "manager": manager,
                "member": member, "other": other}
