"""Walk every URL rule of the app, with every method it accepts, as each kind of person and
check who gets in.

A route-method pair with no expectation in tests/access/ fails here, so no route ships
without a decision about who may use it; a 5xx answer to anyone fails too."""

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


def _expectations() -> dict[tuple[str, str], Rule]:
    """{(endpoint, method): rule} from every access module."""
    merged: dict[tuple[str, str], Rule] = {}
    for module in _access_modules():
        for endpoint, rules in getattr(module, "EXPECT", {}).items():
            for rule in (rules,) if isinstance(rules, Rule) else rules:
                key = (endpoint, rule.method)
                assert key not in merged, f"{endpoint} {rule.method} is expected twice"
                merged[key] = rule
    return merged


def _route_methods(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


@pytest.fixture
def app_config(app_config):
    # This walk checks permissions; CSRF has its own test below. A webhook secret makes the
    # Stripe endpoint judge signatures (without one it answers 503, which the walk fails).
    return {**app_config, "WTF_CSRF_ENABLED": False, "STRIPE_WEBHOOK_SECRET": "whsec_access"}


def build_world(app, make_user) -> dict:
    """One person per role, a fund they hold roles on, another fund, and a group."""
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
        "plain_member": make_user("plain@example.org", groups=[(group_id, "member")]),
        "panel_member": make_user("panel@example.org", fund_roles=[(fund_id, "panel_member")]),
        "fund_manager": make_user("manager@example.org", fund_roles=[(fund_id, "fund_manager")]),
        "other_manager": make_user("other@example.org",
                                   fund_roles=[(other_fund_id, "fund_manager")]),
        "steward": make_user("steward@example.org", steward=True),
        "admin": make_user("admin@example.org", admin=True),
    }
    world = {"fund_id": fund_id, "other_fund_id": other_fund_id, "group_id": group_id,
             "users": users,
             "emails": {"resident": "resident@example.org", "group_member": "member@example.org",
                        "plain_member": "plain@example.org", "panel_member": "panel@example.org",
                        "fund_manager": "manager@example.org",
                        "other_manager": "other@example.org", "steward": "steward@example.org",
                        "admin": "admin@example.org"}}
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


def test_every_route_and_method_has_an_expectation(app):
    expected = set(_expectations())
    routes = _route_methods(app)
    missing = sorted(routes - expected)
    assert not missing, f"route-method pairs with no access expectation in tests/access/: {missing}"
    stale = sorted(expected - routes)
    assert not stale, f"expectations for route-method pairs that no longer exist: {stale}"


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
    tried = set()
    for (endpoint, method), rule in sorted(_expectations().items()):
        url = rule.url(world) if callable(rule.url) else rule.url
        data = rule.data(world) if callable(rule.data) else rule.data
        for role in ROLES:
            browser = app.test_client()
            if role in session_cookies:
                browser.set_cookie("session", session_cookies[role], domain="commonpot.test")
            response = browser.open(url, method=method, data=data or {})
            tried.add((endpoint, method))
            if rule.ends_sessions and role in session_cookies:
                sign_in_as(role)
            if response.status_code >= 500:
                failures.append(f"{endpoint} {method} {url} as {role}: server error "
                                f"{response.status_code}")
                continue
            refused = _refused(response, rule)
            if (role in rule.allowed) == refused:
                failures.append(f"{endpoint} {method} {url} as {role}: got "
                                f"{response.status_code}, expected "
                                f"{'allowed' if role in rule.allowed else 'refused'}")
    untried = sorted(_route_methods(app) - tried)
    assert not untried, f"route-method pairs never tried: {untried}"
    assert not failures, "\n".join(failures)
