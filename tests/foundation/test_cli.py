"""The command line: seed-demo is idempotent, create-admin works, audit verify passes."""

from sqlalchemy import func, select

from commonpot.accounts.models import User
from commonpot.demo import DEMO_LOGINS, DEMO_PASSWORD
from tests.helpers import post_form, run_cli


def test_seed_demo_twice_adds_nothing_the_second_time(app, session):
    first = run_cli(app, "seed-demo")
    assert first.exit_code == 0, first.output
    counts = {table: session.execute(select(func.count()).select_from(table)).scalar()
              for table in app.extensions["migrate"].db.metadata.sorted_tables}
    second = run_cli(app, "seed-demo")
    assert second.exit_code == 0 and "nothing added" in second.output
    session.expire_all()
    again = {table: session.execute(select(func.count()).select_from(table)).scalar()
             for table in counts}
    assert again == counts
    assert {u.email for u in session.scalars(select(User))} >= {email for _, email in DEMO_LOGINS}
    assert run_cli(app, "audit", "verify").exit_code == 0


def test_every_demo_login_works(app, session):
    run_cli(app, "seed-demo")
    for _, email in DEMO_LOGINS:
        client = app.test_client()
        response = post_form(client, "/login", {"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email


def test_create_admin(app, session):
    result = run_cli(app, "create-admin", "--email", "boss@example.org", "--password",
                     "a-long-admin-passphrase")
    assert result.exit_code == 0, result.output
    assert session.scalar(select(User).where(User.email == "boss@example.org")).is_admin
    weak = run_cli(app, "create-admin", "--email", "weak@example.org", "--password", "short")
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
