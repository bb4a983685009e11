"""Walk every URL rule of the app as each kind of person and check who gets in.

A route with no expectation in tests/access/ fails here, so no route ships without a
decision about who may use it."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.access as access_package
from commonpot.extensions import db
from tests.access import ROLES, Rule
from tests.helpers import PASSWORD, sign_in


def _access_modules():
    return [importlib.import_module(f"tests.access.{m.name}")
            for m in pkgutil.iter_modules(access_package.__path__)]


def _expectations() -> dict[str, Rule]:
    merged: dict[str, Rule] = {}
    for module in _access_modules():
        for endpoint, rule in getattr(module, "EXPECT", {}).items():
            assert endpoint not in merged, f"{endpoint} is expected in two access modules"
            merged[endpoint] = rule
    return merged


@pytest.fixture
def app_config(app_config):
    # This walk checks permissions; CSRF has its own test below.
    return {**app_config, "WTF_CSRF_ENABLED": False}


def build_world(app, make_user) -> dict:
    """One person per role, a fund they hold roles on, and a group."""
    from grants.models import Fund, Funder, Group

    with app.app_context():
        funder = Funder(name="Test Foundation", identifier_prefix="360G-test", org_id="GB-CHC-1000001")
        db.session.add(funder)
        db.session.flush()
        fund = Fund(funder_id=funder.id, name="Test Fund", slug="test-fund", budget_pence=1_000_000)
        other_fund = Fund(funder_id=funder.id, name="Other Fund", slug="other-fund",
                          budget_pence=1_000_000)
        group = Group(name="Test Group", slug="test-group")
        db.session.add_all([fund, other_fund, group])
        db.session.commit()
        fund_id, other_fund_id, group_id = fund.id, other_fund.id, group.id
    users = {
        "resident": make_user("resident@example.org"),
        "group_member": make_user("member@example.org", groups=[(group_id, "group_admin")]),
        "panel_member": make_user("panel@example.org", fund_roles=[(fund_id, "panel_member")]),
        "fund_manager": make_user("manager@example.org", fund_roles=[(fund_id, "fund_manager")]),
        "other_manager": make_user("other-manager@example.org",
                                   fund_roles=[(other_fund_id, "fund_manager")]),
        "admin": make_user("admin@example.org", admin=True),
    }
    world = {"fund_id": fund_id, "other_fund_id": other_fund_id, "group_id": group_id, "users": users,
             "emails": {"resident": "resident@example.org", "group_member": "member@example.org",
                        "panel_member": "panel@example.org", "fund_manager": "manager@example.org",
                        "other_manager": "other-manager@example.org", "admin": "admin@example.org"}}
    with app.app_context():
        for module in _access_modules():
            build = getattr(module, "build", None)
            if build:
                build(db.session, world)
                db.session.commit()
    return world


def _refused(response, rule: Rule) -> bool:
    if response.status_code in (401, 403) + rule.refused_also:
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def test_every_route_has_an_expectation(app):
    expected = _expectations()
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = sorted(endpoints - set(expected))
    assert not missing, f"routes with no access expectation in tests/access/: {missing}"
    stale = sorted(set(expected) - endpoints)
    assert not stale, f"expectations for routes that no longer exist: {stale}"


def test_access_matrix(app, make_user):
    world = build_world(app, make_user)
    session_cookies = {}

    def sign_in_as(role):
        browser = app.test_client()
        sign_in(browser, world["emails"][role], PASSWORD)
        session_cookies[role] = browser.get_cookie("session", domain="commonpot.test").value

    for role in ROLES:
        if role != "anonymous":
            sign_in_as(role)

    failures = []
    for endpoint, rule in sorted(_expectations().items()):
        url = rule.url(world) if callable(rule.url) else rule.url
        data = rule.data(world) if callable(rule.data) else rule.data
        for role in ROLES:
            browser = app.test_client()
            if role in session_cookies:
                browser.set_cookie("session", session_cookies[role], domain="commonpot.test")
            response = browser.open(url, method=rule.method, data=data or {})
            if rule.ends_sessions and role in session_cookies:
                sign_in_as(role)
            refused = _refused(response, rule)
            if (role in rule.allowed) == refused:
                failures.append(f"{endpoint} {rule.method} {url} as {role}: got "
                                f"{response.status_code}, expected "
                                f"{'allowed' if role in rule.allowed else 'refused'}")
    assert not failures, "\n".join(failures)
