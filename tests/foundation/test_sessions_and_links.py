"""Links nobody can poison and sessions that end: the Host header never reaches an email,
and a session cookie stops working after sign-out, a password reset, an admin's "sign out
everywhere" or its timeouts. Production refuses an unsafe configuration."""

import re
import time

import pytest

from commonpot.config import ConfigError, load_config
from tests.helpers import post_form, sign_in


def _cookie(browser) -> str:
    return browser.get_cookie("session", domain="commonpot.test").value


def _with_cookie(app, value):
    browser = app.test_client()
    browser.set_cookie("session", value, domain="commonpot.test")
    return browser


def _is_signed_in(browser) -> bool:
    return browser.get("/account").status_code == 200


def test_a_reset_asked_for_with_a_foreign_host_emails_the_public_link(app, make_user, outbox):
    app.config["WTF_CSRF_ENABLED"] = False
    make_user("sam@example.org")
    browser = app.test_client()
    response = browser.post("/reset", data={"email": "sam@example.org"},
                            base_url="http://evil.example.net")
    assert response.status_code == 200
    (to, _subject, body), = outbox("sam@example.org")
    assert "evil.example.net" not in body
    assert re.search(r"http://commonpot\.test/reset/\S+", body)


def test_trusted_hosts_refuse_a_foreign_host(app, make_user, outbox):
    app.config.update(WTF_CSRF_ENABLED=False, TRUSTED_HOSTS=["commonpot.test"])
    make_user("sam@example.org")
    refused = app.test_client().post("/reset", data={"email": "sam@example.org"},
                                     base_url="http://evil.example.net")
    assert refused.status_code == 400
    assert outbox() == []
    assert app.test_client().post("/reset", data={"email": "sam@example.org"}).status_code == 200


def test_a_cookie_captured_before_sign_out_is_refused_after_it(app, make_user):
    make_user("sam@example.org")
    browser = app.test_client()
    sign_in(browser, "sam@example.org")
    captured = _cookie(browser)
    assert _is_signed_in(_with_cookie(app, captured))
    assert post_form(browser, "/logout").status_code == 302
    assert not _is_signed_in(_with_cookie(app, captured))


def test_a_session_from_before_a_password_reset_is_refused_after_it(app, make_user, outbox):
    make_user("sam@example.org")
    victim = app.test_client()
    sign_in(victim, "sam@example.org")
    captured = _cookie(victim)
    owner = app.test_client()
    post_form(owner, "/reset", {"email": "sam@example.org"})
    (_to, _subject, body), = outbox("sam@example.org")
    link = re.search(r"http://commonpot\.test(/reset/\S+)", body).group(1)
    new = "a-brand-new-passphrase"
    assert post_form(owner, link, {"password": new, "confirm": new}).status_code == 302
    assert not _is_signed_in(_with_cookie(app, captured))
    assert not _is_signed_in(victim)
    sign_in(owner, "sam@example.org", new)
    assert _is_signed_in(owner)


def test_an_admin_signs_someone_out_everywhere(app, make_user, session):
    sam = make_user("sam@example.org")
    make_user("admin@example.org", admin=True)
    sams_browser = app.test_client()
    sign_in(sams_browser, "sam@example.org")
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    assert "Sign out everywhere" in admin.get(f"/admin/users/{sam}").get_data(as_text=True)
    assert post_form(admin, f"/admin/users/{sam}/sessions").status_code == 302
    assert not _is_signed_in(sams_browser)
    assert _is_signed_in(admin)


def test_sign_in_starts_a_new_session(app, make_user):
    make_user("sam@example.org")
    browser = app.test_client()
    with browser.session_transaction() as planted:
        planted["planted_by_someone_else"] = "x"
    sign_in(browser, "sam@example.org")
    with browser.session_transaction() as renewed:
        assert "planted_by_someone_else" not in renewed


def test_idle_and_absolute_timeouts_end_a_session(app, make_user):
    make_user("sam@example.org")
    app.config.update(SESSION_IDLE_TIMEOUT=60, SESSION_ABSOLUTE_TIMEOUT=3600)
    browser = app.test_client()
    sign_in(browser, "sam@example.org")
    assert _is_signed_in(browser)
    with browser.session_transaction() as stored:
        stored["seen_at"] -= 61  # a minute and a second without a request
    assert not _is_signed_in(browser)

    sign_in(browser, "sam@example.org")
    with browser.session_transaction() as stored:
        stored["signed_in_at"] -= 3601
        stored["seen_at"] = int(time.time())
    assert not _is_signed_in(browser)


# --- production configuration --------------------------------------------------------------

GOOD_KEY = "Zq3-vL8pR2_xW7nK5mT9bY4cH6jD1fG0sA"


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("COMMONPOT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://commonpot.example.org")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    return monkeypatch


def test_production_uses_host_cookies_and_trusts_only_its_own_host(production_env, tmp_path):
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["TRUSTED_HOSTS"] == ["commonpot.example.org"]


@pytest.mark.parametrize("key", ["abc", "a" * 40, "abcabcabcabcabcabcabcabcabcabcabcabc"])
def test_production_refuses_a_short_or_plain_secret_key(production_env, tmp_path, key):
    production_env.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))


@pytest.mark.parametrize("missing", ["PUBLIC_BASE_URL", "REDIS_URL"])
def test_production_requires_the_public_address_and_redis(production_env, tmp_path, missing):
    production_env.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        load_config(str(tmp_path))


@pytest.mark.parametrize("env", ["Production", "prod", "staging"])
def test_an_unknown_environment_is_refused(monkeypatch, tmp_path, env):
    monkeypatch.setenv("COMMONPOT_ENV", env)
    with pytest.raises(ConfigError, match="COMMONPOT_ENV"):
        load_config(str(tmp_path))


def test_passwords_are_checked_as_slowly_for_unknown_accounts(app, make_user):
    """The same argon2 work either way: measured as the hash checks made, not as time."""
    from argon2 import PasswordHasher

    calls = []
    original = PasswordHasher.verify

    def counting(self, hash_, password):
        calls.append(hash_)
        return original(self, hash_, password)

    make_user("sam@example.org")
    PasswordHasher.verify = counting
    try:
        for email in ("sam@example.org", "nobody@example.org"):
            post_form(app.test_client(), "/login", {"email": email, "password": "wrong-password-1"})
    finally:
        PasswordHasher.verify = original
    assert len(calls) == 2 and all(h.startswith("$argon2id$") for h in calls)


def test_the_admin_outbox_hides_links_once_delivered_or_expired(app, make_user, session):
    from datetime import timedelta

    from sqlalchemy import select

    from commonpot.mail import OutboxMessage

    make_user("sam@example.org")
    make_user("admin@example.org", admin=True)
    post_form(app.test_client(), "/reset", {"email": "sam@example.org"})
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    message = session.scalar(select(OutboxMessage))
    token_link = re.search(r"http://commonpot\.test/reset/\S+", message.body).group(0)
    # Kept in the outbox (no mail server) and still fresh: the outbox is the delivery.
    assert token_link in admin.get("/admin/outbox").get_data(as_text=True)

    message.created_at -= timedelta(hours=2)  # a reset link lasts one hour
    session.commit()
    page = admin.get("/admin/outbox").get_data(as_text=True)
    assert token_link not in page and "link hidden" in page

    message.created_at += timedelta(hours=2)
    message.status = "sent"
    session.commit()
    assert token_link not in admin.get("/admin/outbox").get_data(as_text=True)
