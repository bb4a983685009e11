"""Sign-in and reset are rate-limited per account and per address, with a clear message.

Only failed sign-ins count; the owner of a slowed-down account gets in through an emailed link;
limits see the real client address behind the proxy; with Redis gone, sign-in still works."""

import re
import shutil
import socket
import subprocess
import time

import pytest

from tests.helpers import PASSWORD, post_form


@pytest.fixture
def app_config(app_config):
    return {**app_config, "LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
            "LOGIN_LIMIT_PER_ADDRESS": "6 per 15 minutes", "RESET_LIMIT_PER_ACCOUNT": "3 per 15 minutes"}


def test_failed_sign_ins_for_one_account_are_limited(client, make_user):
    make_user("sam@example.org")
    for _ in range(3):
        response = post_form(client, "/login", {"email": "sam@example.org", "password": "wrong-password"})
        assert response.status_code == 200
    blocked = post_form(client, "/login", {"email": "sam@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many sign-in attempts. Try again in 1 minute" in blocked.get_data(as_text=True)
    assert blocked.headers["Retry-After"] == "60"
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
    assert "Try again in" in post_form(client, "/reset", {"email": "sam@example.org"}).get_data(
        as_text=True)


def test_twenty_successful_sign_ins_from_one_address_all_succeed(app, make_user):
    # A library or a voting event: many people, one address. Successes never count.
    for i in range(20):
        make_user(f"neighbour{i}@example.org")
    for i in range(20):
        browser = app.test_client()
        response = post_form(browser, "/login", {"email": f"neighbour{i}@example.org",
                                                 "password": PASSWORD})
        assert response.status_code == 302, f"sign-in {i + 1} refused: {response.status_code}"


def _unlock_link(body: str) -> str:
    match = re.search(r"http://commonpot\.test(/login/unlock/\S+)", body)
    assert match, body
    return match.group(1)


def test_a_slowed_down_owner_gets_in_through_the_emailed_link(app, make_user, outbox):
    make_user("sam@example.org")
    attacker = app.test_client()
    for _ in range(3):
        post_form(attacker, "/login", {"email": "sam@example.org", "password": "guess-guess-guess"})
    owner = app.test_client()
    refused = post_form(owner, "/login", {"email": "sam@example.org", "password": PASSWORD})
    assert refused.status_code == 429
    (to, subject, body), = outbox("sam@example.org")
    assert "wrong passwords" in subject
    assert owner.get(_unlock_link(body)).status_code == 302
    assert post_form(owner, "/login", {"email": "sam@example.org", "password": PASSWORD}).status_code == 302
    assert "sam@example.org" in owner.get("/account").get_data(as_text=True)
    # The link exempts the owner's browser only: the attacker is still slowed down.
    for _ in range(3):
        post_form(attacker, "/login", {"email": "sam@example.org", "password": "guess-guess-guess"})
    assert post_form(attacker, "/login", {"email": "sam@example.org",
                                          "password": "guess-again-again"}).status_code == 429


def test_unknown_accounts_are_slowed_down_the_same_and_get_no_email(client, outbox):
    for _ in range(3):
        post_form(client, "/login", {"email": "nobody@example.org", "password": "guess-guess-guess"})
    assert post_form(client, "/login", {"email": "nobody@example.org",
                                        "password": "guess-guess-guess"}).status_code == 429
    assert outbox() == []


@pytest.fixture
def behind_a_proxy(app_config):
    app_config["TRUSTED_PROXIES"] = 1
    return app_config


def test_per_address_limits_use_the_client_address_behind_the_proxy(behind_a_proxy, app):
    browser = app.test_client()

    def attempt(address, n):
        return post_form(browser, "/login", {"email": f"user{n}@example.org", "password": "x" * 12},
                         headers={"X-Forwarded-For": address})

    assert [attempt("203.0.113.7", n).status_code for n in range(7)][-1] == 429
    # Another person behind the same proxy is not punished for the first one's guesses.
    assert attempt("198.51.100.23", 99).status_code == 200


def test_registration_is_limited_per_address(app):
    app.config["REGISTER_LIMIT_PER_ADDRESS"] = "2 per hour"
    browser = app.test_client()
    statuses = [post_form(browser, "/register", {
        "display_name": "N", "email": f"n{i}@example.org", "password": PASSWORD,
        "confirm": PASSWORD}).status_code for i in range(3)]
    assert statuses == [302, 302, 429]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis(app_config):
    """A redis-server of this test's own on a free port; stopped by the test or at the end."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = _free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--daemonize", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    import redis
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    app_config.update(REDIS_URL=url, RATELIMIT_STORAGE_URI=url)
    yield server, url
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=10)


def test_sign_in_uses_redis_and_keeps_working_when_it_goes_away(own_redis, app, make_user, caplog):
    import redis

    server, url = own_redis
    make_user("sam@example.org")
    browser = app.test_client()
    post_form(browser, "/login", {"email": "sam@example.org", "password": "guess-guess-guess"})
    # The failure is counted in the shared store, where every worker sees it.
    assert redis.Redis.from_url(url).exists("commonpot:login:account:sam@example.org")
    assert post_form(browser, "/login", {"email": "sam@example.org", "password": PASSWORD}).status_code == 302

    server.terminate()
    server.wait(timeout=10)
    other = app.test_client()
    with caplog.at_level("WARNING"):
        signed_in = post_form(other, "/login", {"email": "sam@example.org", "password": PASSWORD})
        assert signed_in.status_code == 302
        assert post_form(other, "/reset", {"email": "sam@example.org"}).status_code == 200
        assert post_form(app.test_client(), "/register", {
            "display_name": "N", "email": "n@example.org", "password": PASSWORD,
            "confirm": PASSWORD}).status_code == 302
        # Limits still hold, in this process's memory.
        for _ in range(3):
            post_form(other, "/login", {"email": "ann@example.org", "password": "guess-guess-guess"})
        assert post_form(other, "/login", {"email": "ann@example.org",
                                           "password": "guess-guess-guess"}).status_code == 429
    assert any("Redis unreachable" in r.getMessage() for r in caplog.records)
