"""Payouts run as jobs: the request makes no Stripe call, and a worker killed in the middle
of one never pays twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from sqlalchemy import select

from payments.models import LedgerEntry
from payments.states import EntryType, InstalmentStatus
from tests.helpers import post_form, sign_in
from tests.jobs.conftest import redis_server  # noqa: F401 - a fixture
from tests.jobs.test_queue import ROOT, run_commonpot
from tests.payments.fake_stripe import SECRET_KEY
from tests.payments.test_payouts import _entries, _instalments, world  # noqa: F401 - a fixture


def _stripe_env(fake_stripe) -> dict:
    return {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_API_BASE": fake_stripe.base_url}


def test_a_worker_killed_mid_payout_never_pays_twice(app, client, session, world, fake_stripe,  # noqa: F811
                                                      make_user, redis_server):  # noqa: F811
    app.config["JOBS_REDIS_URL"] = redis_server.url
    make_user("manager@example.org", fund_roles=[(world["fund_id"], "fund_manager")])
    sign_in(client, "manager@example.org")
    first = world["instalments"][0]
    response = post_form(client, f"/payments/instalments/{first}/release")
    assert response.status_code == 302
    # The request only queued the payout.
    assert fake_stripe.transfers == {}

    env = {**_stripe_env(fake_stripe), "REDIS_URL": redis_server.url,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, "-m", "commonpot.cli", "worker"], cwd=ROOT,
                              env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    # Kill the worker the moment Stripe has made the transfer, before our ledger records it.
    fake_stripe.after_create = (lambda path, body: os.kill(worker.pid, signal.SIGKILL)
                                if path == "/v1/transfers" else None)
    try:
        worker.wait(timeout=120)
    finally:
        fake_stripe.after_create = None
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    assert len(fake_stripe.transfers) == 1
    assert _entries(session, EntryType.PAYMENT_SENT) == []
    assert _instalments(session, world["award_id"])[0].status == InstalmentStatus.RELEASED

    # The scheduler's sweep queues the payout again; a fresh worker runs it.
    queued = run_commonpot(app, redis_server.url, "scheduler", "--once", extra_env=_stripe_env(fake_stripe))
    assert queued.returncode == 0, queued.stderr
    done = run_commonpot(app, redis_server.url, "worker", "--burst", extra_env=_stripe_env(fake_stripe))
    assert done.returncode == 0, done.stderr

    assert len(fake_stripe.transfers) == 1
    only_transfer = next(iter(fake_stripe.transfers))
    sent = _entries(session, EntryType.PAYMENT_SENT)
    assert [(e.amount_pence, e.stripe_reference) for e in sent] == [(40_000, only_transfer)]
    assert _instalments(session, world["award_id"])[0].status != InstalmentStatus.RELEASED
    session.rollback()
    assert session.scalar(select(LedgerEntry.id).where(LedgerEntry.entry_type == EntryType.PAYMENT_SENT)
                          .offset(1)) is None
