"""Sign-in and reset are rate-limited per account and per address, with a clear message."""

import pytest

from tests.helpers import PASSWORD, post_form


@pytest.fixture
def app_config(app_config):
    return {**app_config, "LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
            "LOGIN_LIMIT_PER_ADDRESS": "6 per 15 minutes"}


def test_failed_sign_ins_for_one_account_are_limited(client, make_user):
    make_user("sam@example.org")
    for _ in range(3):
        response = post_form(client, "/login", {"email": "sam@example.org", "password": "wrong-password"})
        assert response.status_code == 200
    blocked = post_form(client, "/login", {"email": "sam@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)
    # Another account from the same address is still allowed (the per-address limit is higher).
    make_user("ann@example.org")
    assert post_form(client, "/login", {"email": "ann@example.org", "password": PASSWORD}).status_code == 302


def test_many_accounts_from_one_address_are_limited(client):
    statuses = [
        post_form(client, "/login", {"email": f"user{i}@example.org", "password": "x" * 12}).status_code
        for i in range(7)
    ]
    assert statuses[:6] == [200] * 6
    assert statuses[6] == 429


def test_reset_requests_are_limited(client):
    statuses = [post_form(client, "/reset", {"email": "sam@example.org"}).status_code for _ in range(4)]
    assert statuses[-1] == 429
