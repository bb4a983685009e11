"""The outbox is delivered by a job: claims, attempts with back-off, dead letters, retry."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from commonpot.db import utcnow
from commonpot.mail import MAX_ATTEMPTS, OutboxMessage, backoff, deliver_due, send_email
from tests.helpers import post_form, run_cli, sign_in


def _register(client, email="nadia@example.org"):
    return post_form(client, "/register", {"email": email, "display_name": "Nadia",
                                           "password": "a-long-pass-phrase", "confirm": "a-long-pass-phrase"})


def _messages(session):
    session.expire_all()
    return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_mail_server_down_then_back(mail_config, app, client, session, mail_server):
    # The server is down: the person's action still succeeds and the email waits.
    assert _register(client).status_code == 302
    (message,) = _messages(session)
    assert message.status == "pending" and message.attempts == 1
    assert "ConnectionRefused" in message.last_error
    assert message.next_attempt_at > utcnow()
    assert mail_server.received == []

    mail_server.start()
    # Not due yet: the back-off holds, so a down server is not hammered.
    assert "0 sent" in run_cli(app, "mail", "deliver").output
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert "1 sent" in run_cli(app, "mail", "deliver").output
    assert [to for to, _ in mail_server.received] == ["nadia@example.org"]
    (message,) = _messages(session)
    assert message.status == "sent" and message.attempts == 2 and message.sent_at is not None
    # Delivered once: running again sends nothing more.
    run_cli(app, "mail", "deliver")
    assert len(mail_server.received) == 1


def test_a_request_sends_after_its_response_when_the_server_is_up(mail_config, client, session, mail_server):
    mail_server.start()
    assert _register(client).status_code == 302
    assert [to for to, _ in mail_server.received] == ["nadia@example.org"]
    assert _messages(session)[0].status == "sent"


def test_back_off_doubles_and_is_capped():
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2),
                                               timedelta(minutes=4)]
    assert backoff(30) == timedelta(hours=6)


def test_failing_messages_go_dead_and_an_admin_sends_them_again(mail_config, app, client, session,
                                                                mail_server, make_user):
    message = send_email(session, "gwen@example.org", "Your grant", "Hello")
    message.attempts = MAX_ATTEMPTS - 1
    # The commit hands the delivery job over; it runs at once here (no request, no Redis).
    session.commit()
    (message,) = _messages(session)
    assert message.status == "dead"

    make_user("admin@example.org", admin=True)
    sign_in(client, "admin@example.org")
    page = client.get("/admin/outbox?status=dead").get_data(as_text=True)
    assert "Could not be sent" in page and "Your grant" in page and "Last problem" in page

    mail_server.start()
    response = post_form(client, f"/admin/outbox/{message.id}/retry")
    assert response.status_code == 302
    (message,) = _messages(session)
    assert message.status == "sent"
    assert [to for to, _ in mail_server.received] == ["gwen@example.org"]
    # Only a message that could not be sent can be sent again.
    post_form(client, f"/admin/outbox/{message.id}/retry")
    assert len(mail_server.received) == 1


def test_a_claim_expires_when_its_worker_dies(mail_config, app, session, mail_server):
    from commonpot.mail import claim_due

    message = send_email(session, "gwen@example.org", "Hello", "Body")
    session.commit()  # the server is down: one failed attempt, due again later
    with app.app_context():
        from commonpot.extensions import db

        claimed = claim_due(db.session, now=message.next_attempt_at)
        assert len(claimed) == 1
        # Another worker finds nothing to take while the claim holds ...
        assert claim_due(db.session, now=message.next_attempt_at) == []
        # ... and takes it once the lease has run out (the first worker died mid-send).
        later = message.next_attempt_at + timedelta(minutes=11)
        assert len(claim_due(db.session, now=later)) == 1


@pytest.mark.postgres_only
def test_two_workers_at_once_send_each_message_once(mail_config, app, session, mail_server):
    mail_server.start()
    for n in range(60):
        send_email(session, f"person{n}@example.org", "Hello", "Body")
    session.commit()

    def work():
        with app.app_context():
            from commonpot.extensions import db

            deliver_due(db.session)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(to for to, _ in mail_server.received) == sorted(f"person{n}@example.org" for n in range(60))
    assert {m.status for m in _messages(session)} == {"sent"}
