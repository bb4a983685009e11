"""Security headers, cookies, error pages, health check, configuration refusals."""

import pytest

from commonpot.app import create_app
from commonpot.config import ConfigError
from tests.conftest import TEST_AUDIT_KEY
from tests.helpers import sign_in


def test_security_headers_on_every_response(client):
    for url in ("/", "/login", "/no-such-page"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_friendly_not_found_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_forbidden_page_for_signed_in_people(client, make_user):
    make_user("sam@example.org")
    sign_in(client, "sam@example.org")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You cannot see this page" in response.get_data(as_text=True)


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login?next=/admin/users" in response.headers["Location"]


def test_healthz_checks_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_production_refuses_a_missing_or_default_secret_key(monkeypatch, database_url):
    monkeypatch.setenv("COMMONPOT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    monkeypatch.setenv("SECRET_KEY", "dev-only-not-secret")
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})


def test_production_cookies_and_hsts(monkeypatch, database_url, make_user):
    monkeypatch.setenv("COMMONPOT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("AUDIT_SIGNING_KEY", TEST_AUDIT_KEY)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "commonpot.test",
                      "PREFERRED_URL_SCHEME": "https"})
    client = app.test_client()
    response = client.get("/login", base_url="https://commonpot.test")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_every_view_declares_an_access_rule(app):
    from flask import Blueprint

    from commonpot.accounts.policy import check_every_route_has_a_rule

    stray = Blueprint("stray", __name__)
    stray.add_url_rule("/stray", "open_door", lambda: "hello")
    app.register_blueprint(stray)
    with pytest.raises(RuntimeError, match="stray.open_door"):
        check_every_route_has_a_rule(app)


def test_an_error_mid_request_rolls_back_everything_and_shows_a_friendly_page(app, client, session):
    from flask import Blueprint
    from sqlalchemy import select

    from commonpot import audit
    from commonpot.accounts.policy import PUBLIC, access
    from commonpot.extensions import db
    from grants.models import Group

    broken = Blueprint("broken", __name__)

    @broken.route("/broken")
    @access(PUBLIC)
    def half_done():
        db.session.add(Group(name="Half done", slug="half-done"))
        audit.record(db.session, "system", "grants.group_payment_ready", "group", None, {"ready": True})
        raise RuntimeError("the second half failed")

    app.register_blueprint(broken)
    response = client.get("/broken")
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.get_data(as_text=True)
    assert session.scalar(select(Group).where(Group.slug == "half-done")) is None
    assert session.scalar(select(audit.AuditEvent)) is None


def test_a_refused_action_shown_as_an_error_changes_nothing_even_on_a_redirect(app, client, session):
    from flask import Blueprint, flash, redirect
    from sqlalchemy import select

    from commonpot import audit
    from commonpot.accounts.policy import PUBLIC, access
    from commonpot.extensions import db
    from grants.models import Group

    refusing = Blueprint("refusing", __name__)

    @refusing.route("/refuse")
    @access(PUBLIC)
    def half_done():
        db.session.add(Group(name="Half done", slug="half-done"))
        audit.record(db.session, "system", "grants.group_payment_ready", "group", None, {"ready": True})
        flash("That cannot be done.", "error")
        return redirect("/")

    @refusing.route("/accept")
    @access(PUBLIC)
    def done():
        db.session.add(Group(name="Done", slug="done"))
        flash("Saved.", "success")
        return redirect("/")

    app.register_blueprint(refusing)
    assert client.get("/refuse").status_code == 302
    assert session.scalar(select(Group).where(Group.slug == "half-done")) is None
    assert session.scalar(select(audit.AuditEvent)) is None
    assert client.get("/accept").status_code == 302
    assert session.scalar(select(Group).where(Group.slug == "done")) is not None
