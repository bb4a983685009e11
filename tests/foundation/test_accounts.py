"""Register, verify, sign in and out, reset password, change email: as a person does it."""

import re

from sqlalchemy import func, select

from commonpot.accounts.models import User
from commonpot.audit import SecurityEvent
from tests.helpers import PASSWORD, post_form, sign_in


def _link(body: str, path: str) -> str:
    match = re.search(r"http://commonpot\.test(" + re.escape(path) + r"[^\s]+)", body)
    assert match, f"no {path} link in: {body}"
    return match.group(1)


def register(client, email="nadia@example.org", password=PASSWORD, name="Nadia"):
    return post_form(client, "/register", {"display_name": name, "email": email,
                                           "password": password, "confirm": password})


def test_register_verify_sign_out_and_in(client, session, outbox):
    response = register(client)
    assert response.status_code == 302
    user = session.scalar(select(User).where(User.email == "nadia@example.org"))
    assert user.password_hash.startswith("$argon2id$")
    assert user.email_verified_at is None

    (to, subject, body), = outbox()
    assert to == "nadia@example.org" and "Confirm" in subject
    assert client.get(_link(body, "/verify/")).status_code == 302
    session.expire_all()
    assert session.get(User, user.id).email_verified_at is not None

    assert post_form(client, "/logout").status_code == 302
    assert client.get("/account").status_code == 302
    sign_in(client, "nadia@example.org")
    assert "nadia@example.org" in client.get("/account").get_data(as_text=True)
    # Account security events go to the private security log, never the public audit log.
    actions = session.scalars(select(SecurityEvent.action).order_by(SecurityEvent.id)).all()
    assert actions[:2] == ["account.registered", "account.email_verified"]
    assert "account.signed_in" in actions


def test_weak_and_common_passwords_are_refused_with_a_reason(client, session):
    page = register(client, password="short").get_data(as_text=True)
    assert "at least 10 characters" in page
    page = register(client, password="password123").get_data(as_text=True)
    assert "too common" in page
    assert session.scalar(select(User)) is None


def test_registering_a_taken_address_answers_as_new_and_emails_the_owner(client, make_user, outbox,
                                                                        session):
    make_user("nadia@example.org")
    taken = register(client, email="Nadia@Example.org")
    fresh = register(client.application.test_client(), email="newcomer@example.org")
    # The same answer for both, so the form does not reveal who has an account.
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    assert "already" not in client.get(taken.headers["Location"]).get_data(as_text=True)
    (to, subject, body), = outbox("nadia@example.org")
    assert "tried to register" in subject and "http://commonpot.test/reset" in body
    assert session.scalar(select(func.count()).select_from(User)) == 2


def test_wrong_password_says_so_and_is_audited_without_the_email(client, make_user, session):
    make_user("sam@example.org")
    page = post_form(client, "/login", {"email": "sam@example.org", "password": "nope-nope-nope"})
    assert page.status_code == 200
    assert "email address or password is not right" in page.get_data(as_text=True)
    failed = session.scalars(select(SecurityEvent)
                             .where(SecurityEvent.action == "account.sign_in_failed")).one()
    assert "sam@example.org" not in failed.payload


def test_tampered_verification_link_is_refused(client):
    response = client.get("/verify/not-a-real-token")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_password_reset_works_once(client, make_user, outbox, session):
    make_user("sam@example.org")
    response = post_form(client, "/reset", {"email": "sam@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    # Unknown addresses get the same answer and no email.
    post_form(client, "/reset", {"email": "nobody@example.org"})
    mails = outbox()
    assert [m[0] for m in mails] == ["sam@example.org"]
    link = _link(mails[0][2], "/reset/")
    new = "a-brand-new-passphrase"
    assert post_form(client, link, {"password": new, "confirm": new}).status_code == 302
    sign_in(client, "sam@example.org", new)
    again = post_form(client, link, {"password": "another-passphrase", "confirm": "another-passphrase"})
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)


def test_change_email_needs_the_link_sent_to_the_new_address(client, make_user, outbox, session):
    user_id = make_user("old@example.org")
    sign_in(client, "old@example.org")
    assert post_form(client, "/account/email", {"email": "new@example.org"}).status_code == 302
    assert session.get(User, user_id).email == "old@example.org"
    (to, _, body), = outbox("new@example.org")
    assert client.get(_link(body, "/account/email/")).status_code == 302
    session.expire_all()
    assert session.get(User, user_id).email == "new@example.org"


def test_open_redirect_after_sign_in_is_ignored(client, make_user):
    make_user("sam@example.org")
    response = post_form(client, "/login?next=https://evil.example/", {
        "email": "sam@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"  # not the address it was given
