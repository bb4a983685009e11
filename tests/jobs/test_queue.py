"""The job queue on a real Redis: requests only queue work; a worker does it; with Redis
stopped the site stays up and the work is still done; the scheduler runs the clock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from commonpot.db import utcnow
from commonpot.mail import OutboxMessage
from tests.helpers import post_form, run_cli

ROOT = Path(__file__).resolve().parents[2]


def _register(client, email="nadia@example.org"):
    return post_form(client, "/register", {"email": email, "display_name": "Nadia",
                                           "password": "a-long-pass-phrase", "confirm": "a-long-pass-phrase"})


def _statuses(session):
    session.expire_all()
    statuses = session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)).all()
    session.rollback()
    return statuses


def run_commonpot(app, redis_url: str | None, *args: str, extra_env: dict | None = None,
                  timeout: int = 120) -> subprocess.CompletedProcess:
    """`commonpot ...` in its own process, on this test's database (as cron or systemd would)."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PYTHONPATH": str(ROOT),
           "MAIL_SERVER": str(app.config.get("MAIL_SERVER") or ""),
           "MAIL_PORT": str(app.config.get("MAIL_PORT")), "MAIL_USE_TLS": "0", **(extra_env or {})}
    env.pop("REDIS_URL", None)
    if not env["MAIL_SERVER"]:
        env.pop("MAIL_SERVER")
    if redis_url:
        env["REDIS_URL"] = redis_url
    return subprocess.run([sys.executable, "-m", "commonpot.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_a_request_only_queues_mail_and_a_worker_sends_it(mail_config, redis_server, app, client,
                                                           session, mail_server):
    app.config["JOBS_REDIS_URL"] = redis_server.url
    mail_server.start()
    assert _register(client).status_code == 302
    # The request queued the delivery and sent nothing itself.
    assert _statuses(session) == ["pending"]
    assert mail_server.received == []

    done = run_commonpot(app, redis_server.url, "worker", "--burst")
    assert done.returncode == 0, done.stderr
    assert _statuses(session) == ["sent"]
    assert [to for to, _ in mail_server.received] == ["nadia@example.org"]


def test_with_redis_stopped_the_site_stays_up_and_nothing_is_lost(mail_config, redis_server, app, client,
                                                                  session, mail_server):
    app.config["JOBS_REDIS_URL"] = redis_server.url
    mail_server.start()
    assert client.get("/readyz").get_json()["redis"] == "ok"
    redis_server.stop()

    response = _register(client)
    assert response.status_code == 302
    # The job could not be queued, so this process ran it after the response.
    assert _statuses(session) == ["sent"]
    assert [to for to, _ in mail_server.received] == ["nadia@example.org"]
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["redis"]
    assert client.get("/healthz").status_code == 200

    redis_server.start()
    assert client.get("/readyz").status_code == 200


def test_the_scheduler_runs_the_clock_and_delivers_mail(mail_config, app, session, mail_server):
    from commonpot.mail import send_email

    message = send_email(session, "gwen@example.org", "Hello", "Body")
    session.commit()  # the server is down: the first attempt fails
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    mail_server.start()
    result = run_cli(app, "scheduler", "--once")
    assert result.exit_code == 0, result.output
    assert "commonpot rounds tick: every 60s" in result.output
    assert "commonpot mail deliver: every 60s" in result.output
    assert _statuses(session) == ["sent"]
