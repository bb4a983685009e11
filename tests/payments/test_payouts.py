"""Grant money out: commitments, schedules, releases, Stripe Transfers, webhooks, crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commonpot.extensions import db
from grants.models import Award
from payments import ledger, payouts, stripe_client
from payments.models import GroupPaymentAccount, Instalment, LedgerEntry
from payments.reconcile import reconcile
from payments.states import EntryType, IllegalTransition, InstalmentStatus
from tests.helpers import post_form, run_cli, sign_in
from tests.payments import factories
from tests.payments.fake_stripe import SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


def _read(session, query) -> list:
    """Fresh rows, detached, with the read's transaction ended (on SQLite an open transaction
    holds the write lock the app's requests and other sessions need)."""
    session.rollback()
    rows = session.scalars(query).all()
    for row in rows:
        session.expunge(row)
    session.rollback()
    return rows


def _entries(session, entry_type) -> list[LedgerEntry]:
    return _read(session, select(LedgerEntry).where(LedgerEntry.entry_type == entry_type)
                 .order_by(LedgerEntry.id))


def _instalments(session, award_id) -> list[Instalment]:
    return _read(session, select(Instalment).where(Instalment.award_id == award_id)
                 .order_by(Instalment.sequence))


@pytest.fixture
def world(app, session, fake_stripe):
    """A fund with £1,000, a connected group and a committed £500 award (80/20 schedule)."""
    fund = factories.create_fund(session, budget_pence=100_000)
    group = factories.create_group(session)
    award = factories.committed_award(session, fund, group, amount_pence=50_000)
    account = factories.connect_group(session, app, fake_stripe, group)
    session.commit()
    return {"fund_id": fund.id, "group_id": group.id, "award_id": award.id,
            "account": account.stripe_account_id,
            "instalments": [i.id for i in _instalments(session, award.id)]}


# --- commitments -----------------------------------------------------------------------------

def test_committing_beyond_what_is_available_is_refused(session):
    fund = factories.create_fund(session, budget_pence=10_000)
    group = factories.create_group(session)
    first = factories.committed_award(session, fund, group, amount_pence=7_000)
    assert ledger.fund_balance(session, fund.id).available_pence == 3_000
    too_big = factories.create_award(session, fund, factories.create_group(session), amount_pence=3_001)
    with pytest.raises(ledger.InsufficientFunds):
        ledger.commit_award(session, "system", too_big)
    assert ledger.award_balance(session, too_big.id).committed_pence == 0
    # Committing the same award twice changes nothing.
    ledger.commit_award(session, "system", first)
    assert ledger.fund_balance(session, fund.id).committed_pence == 7_000
    exact = factories.create_award(session, fund, factories.create_group(session), amount_pence=3_000)
    ledger.commit_award(session, "system", exact)
    assert ledger.fund_balance(session, fund.id).available_pence == 0


def test_donations_and_match_make_more_available(session):
    from payments import donations

    fund = factories.create_fund(session, budget_pence=1_000)
    donations.pledge_match(session, "system", fund, funder_name="Council", ratio_percent=100, cap_pence=500)
    donation = donations.start_donation(session, fund, amount_pence=1_000)
    donations.confirm_donation(session, donation, checkout_session_id="cs_1")
    award = factories.create_award(session, fund, factories.create_group(session), amount_pence=2_500)
    ledger.commit_award(session, "system", award)
    assert ledger.fund_balance(session, fund.id).available_pence == 0


def test_the_default_schedule_is_80_20_and_adds_up(session):
    fund = factories.create_fund(session)
    award = factories.committed_award(session, fund, factories.create_group(session), amount_pence=10_001)
    session.commit()
    amounts = [i.amount_pence for i in _instalments(session, award.id)]
    assert amounts == [8_000, 2_001]


# --- paying ----------------------------------------------------------------------------------

def test_a_fund_manager_releases_an_instalment_and_stripe_pays_it_once(client, session, world, fake_stripe,
                                                                        make_user):
    make_user("manager@example.org", fund_roles=[(world["fund_id"], "fund_manager")])
    sign_in(client, "manager@example.org")
    first = world["instalments"][0]
    response = post_form(client, f"/payments/instalments/{first}/release")
    assert response.status_code == 302
    assert len(fake_stripe.transfers) == 1
    transfer = next(iter(fake_stripe.transfers.values()))
    assert (transfer["amount"], transfer["destination"]) == (40_000, world["account"])
    instalment = _instalments(session, world["award_id"])[0]
    assert instalment.status == InstalmentStatus.SENT
    assert instalment.stripe_transfer_id == transfer["id"]
    sent = _entries(session, EntryType.PAYMENT_SENT)
    assert [(e.amount_pence, e.stripe_reference) for e in sent] == [(40_000, transfer["id"])]
    assert ledger.award_balance(session, world["award_id"]).unpaid_pence == 10_000
    session.rollback()

    # Pressing the button again pays nothing more.
    post_form(client, f"/payments/instalments/{first}/release")
    assert len(fake_stripe.transfers) == 1
    assert len(_entries(session, EntryType.PAYMENT_SENT)) == 1
    session.rollback()
    page = client.get(f"/payments/funds/{world['fund_id']}").get_data(as_text=True)
    assert "sent" in page and "£400" in page


def test_paying_beyond_an_award_is_refused(session, world, fake_stripe):
    client = stripe_client.make_client()
    first, held = world["instalments"]
    payouts.release_instalment(session, "system", first)
    payouts.pay_instalment(session, client, first)
    # The last instalment is held for the end-of-grant report; accepting it releases it.
    factories.accept_report(session, session.get(Award, world["award_id"]))
    payouts.pay_instalment(session, client, held)
    extra = Instalment(award_id=world["award_id"], sequence=3, trigger="after_final_report",
                       amount_pence=1)
    session.add(extra)
    session.flush()
    with pytest.raises(ledger.OverPayment):
        payouts.release_instalment(session, "system", extra.id)
    with pytest.raises(ledger.OverPayment):
        ledger.check_can_pay(session, world["award_id"], 1)
    assert ledger.award_balance(session, world["award_id"]).paid_pence == 50_000
    assert sum(t["amount"] for t in fake_stripe.transfers.values()) == 50_000


def test_an_uncommitted_award_cannot_be_released(session, fake_stripe):
    fund = factories.create_fund(session)
    award = factories.create_award(session, fund, factories.create_group(session))
    ledger.create_schedule(session, "system", award)
    session.commit()
    instalment = _instalments(session, award.id)[0]
    with pytest.raises(ledger.LedgerError):
        payouts.release_instalment(session, "system", instalment.id)


def test_a_group_without_stripe_is_marked_paid_by_bank_transfer(client, session, fake_stripe, make_user):
    fund = factories.create_fund(session)
    award = factories.committed_award(session, fund, factories.create_group(session), amount_pence=1_000)
    session.commit()
    fund_id, award_id = fund.id, award.id
    session.rollback()
    first, second = (i.id for i in _instalments(session, award_id))
    make_user("manager@example.org", fund_roles=[(fund_id, "fund_manager")])
    sign_in(client, "manager@example.org")
    post_form(client, f"/payments/instalments/{first}/release")
    assert _instalments(session, award_id)[0].last_error.startswith("The group has not finished")
    session.rollback()
    response = post_form(client, f"/payments/instalments/{first}/bank-transfer", {"reference": ""})
    assert response.status_code == 302
    assert _instalments(session, award_id)[0].status == InstalmentStatus.RELEASED
    session.rollback()
    post_form(client, f"/payments/instalments/{first}/bank-transfer", {"reference": "BACS 123"})
    instalment = _instalments(session, award_id)[0]
    assert (instalment.status, instalment.bank_reference) == (InstalmentStatus.PAID_BY_BANK, "BACS 123")
    session.rollback()
    # Twice is refused; an unreleased instalment cannot be marked paid.
    post_form(client, f"/payments/instalments/{first}/bank-transfer", {"reference": "BACS 123"})
    post_form(client, f"/payments/instalments/{second}/bank-transfer", {"reference": "BACS 124"})
    assert [e.amount_pence for e in _entries(session, EntryType.PAYMENT_SENT)] == [800]
    from commonpot.audit import AuditEvent
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "payments.paid_by_bank")) == 1
    assert not fake_stripe.transfers


# --- Connect onboarding ----------------------------------------------------------------------

def test_a_group_admin_connects_stripe(client, session, fake_stripe, deliver, make_user):
    group = factories.create_group(session)
    session.commit()
    group_id = group.id
    session.rollback()
    make_user("admin@group.org", groups=[(group_id, "group_admin")])
    sign_in(client, "admin@group.org")
    response = post_form(client, f"/payments/groups/{group_id}/connect")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://connect.stripe.com/setup/e/acct_")
    # Again: the same account, a fresh link.
    post_form(client, f"/payments/groups/{group_id}/connect")
    assert len(fake_stripe.accounts) == 1
    account_id = next(iter(fake_stripe.accounts))

    old = fake_stripe.event("account.updated", dict(fake_stripe.accounts[account_id]), created=1_000)
    new = fake_stripe.event("account.updated", fake_stripe.enable_payouts(account_id), created=2_000)
    assert deliver(new).json["outcome"] == "account updated"
    assert deliver(old).json["outcome"] == "older snapshot ignored"
    session.rollback()
    assert session.scalar(select(GroupPaymentAccount.payouts_enabled)) is True
    session.rollback()
    assert "Connected" in client.get(f"/payments/groups/{group_id}").get_data(as_text=True)


# --- what Stripe tells us afterwards ---------------------------------------------------------

def test_a_reversed_transfer_is_owed_again_and_can_be_repaid(session, world, fake_stripe, deliver):
    client = stripe_client.make_client()
    first = world["instalments"][0]
    payouts.release_instalment(session, "system", first)
    transfer_id = payouts.pay_instalment(session, client, first).detail
    session.commit()
    reversed_ = fake_stripe.reverse_transfer(transfer_id)
    assert deliver(fake_stripe.event("transfer.reversed", reversed_)).json["outcome"] == "reversed"
    # The older transfer.created event, arriving late, changes nothing.
    late = fake_stripe.event("transfer.created", {**reversed_, "reversed": False, "amount_reversed": 0})
    assert deliver(late).json["outcome"] == "no change"
    assert _instalments(session, world["award_id"])[0].status == InstalmentStatus.REVERSED
    assert ledger.award_balance(session, world["award_id"]).paid_pence == 0
    payouts.release_instalment(session, "system", first)
    payouts.pay_instalment(session, client, first)
    session.commit()
    assert len(fake_stripe.transfers) == 2
    assert ledger.award_balance(session, world["award_id"]).paid_pence == 40_000
    assert reconcile(session, client) == []


def test_transfer_webhook_records_a_payment_whose_commit_was_lost(session, world, fake_stripe, deliver):
    first = world["instalments"][0]
    payouts.release_instalment(session, "system", first)
    session.commit()
    # Stripe made the transfer (our process never recorded it): the webhook fills the gap.
    transfer = stripe_client.make_client().v1.transfers.create(
        params={"amount": 40_000, "currency": "gbp", "destination": world["account"],
                "metadata": {"instalment_id": str(first), "attempt": "1"}},
        options={"idempotency_key": f"instalment-{first}-attempt-1-transfer"})
    assert deliver(fake_stripe.event("transfer.created", dict(fake_stripe.transfers[transfer.id]))
                   ).json["outcome"] == "sent"
    assert payouts.pay_instalment(session, stripe_client.make_client(), first).outcome == "already_done"
    assert len(fake_stripe.transfers) == 1
    assert len(_entries(session, EntryType.PAYMENT_SENT)) == 1


def test_payouts_update_instalments(session, world, fake_stripe, deliver):
    first = world["instalments"][0]
    payouts.release_instalment(session, "system", first)
    payouts.pay_instalment(session, stripe_client.make_client(), first)
    session.commit()
    later = 4_000_000_000
    failed = {"id": "po_1", "object": "payout", "status": "failed", "created": later,
              "failure_message": "The bank account has been closed."}
    paid = {"id": "po_2", "object": "payout", "status": "paid", "created": later}
    assert "payout_failed" in deliver(fake_stripe.event("payout.failed", failed, account=world["account"],
                                                        created=later)).json["outcome"]
    instalment = _instalments(session, world["award_id"])[0]
    assert (instalment.status, instalment.last_error) == (InstalmentStatus.PAYOUT_FAILED,
                                                          "The bank account has been closed.")
    session.rollback()
    deliver(fake_stripe.event("payout.paid", paid, account=world["account"], created=later + 10))
    # An older event arriving late does not undo the newer state.
    deliver(fake_stripe.event("payout.failed", failed, account=world["account"], created=later))
    assert _instalments(session, world["award_id"])[0].status == InstalmentStatus.PAID_OUT


def test_illegal_moves_raise_a_named_error(session, world):
    payouts.release_instalment(session, "system", world["instalments"][0])
    with pytest.raises(IllegalTransition):
        payouts.release_instalment(session, "system", world["instalments"][0])


# --- crashes, concurrency and reconciliation -------------------------------------------------

def _run_worker(app, fake_stripe, instalment_id: int, mode: str, *, kill_on_transfer: bool = False):
    env = {**os.environ, "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_API_BASE": fake_stripe.base_url,
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.payments.crash_worker",
                             app.config["SQLALCHEMY_DATABASE_URI"], str(instalment_id), mode],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if kill_on_transfer:
        fake_stripe.after_create = (lambda path, body: os.kill(proc.pid, signal.SIGKILL)
                                    if path == "/v1/transfers" else None)
    out, err = proc.communicate(timeout=120)
    fake_stripe.after_create = None
    return proc.returncode, out, err


@pytest.mark.parametrize("how", ["dies before commit", "killed while Stripe answers"])
def test_a_crash_after_the_transfer_never_pays_twice(how, app, session, world, fake_stripe):
    first = world["instalments"][0]
    payouts.release_instalment(session, "system", first)
    session.commit()
    session.rollback()
    if how == "dies before commit":
        code, _, err = _run_worker(app, fake_stripe, first, "die-before-commit")
        assert code == 17, err
    else:
        code, _, err = _run_worker(app, fake_stripe, first, "normal", kill_on_transfer=True)
        assert code == -signal.SIGKILL, err
    assert len(fake_stripe.transfers) == 1
    assert _entries(session, EntryType.PAYMENT_SENT) == []
    assert _instalments(session, world["award_id"])[0].status == InstalmentStatus.RELEASED
    session.rollback()

    result = run_cli(app, "payments", "reconcile")
    assert result.exit_code == 1
    assert "is at Stripe but not in the ledger" in result.output

    code, out, err = _run_worker(app, fake_stripe, first, "normal")
    assert code == 0, err
    assert out.startswith("sent")
    assert len(fake_stripe.transfers) == 1
    sent = _entries(session, EntryType.PAYMENT_SENT)
    only_transfer = next(iter(fake_stripe.transfers))
    assert [(e.amount_pence, e.stripe_reference) for e in sent] == [(40_000, only_transfer)]
    session.rollback()
    assert run_cli(app, "payments", "reconcile").exit_code == 0


def test_reconcile_reports_differences(app, session, world, fake_stripe):
    client = stripe_client.make_client()
    payouts.release_instalment(session, "system", world["instalments"][0])
    payouts.pay_instalment(session, client, world["instalments"][0])
    session.commit()
    result = run_cli(app, "payments", "reconcile")
    assert result.exit_code == 0 and "agree" in result.output
    transfer_id = next(iter(fake_stripe.transfers))
    fake_stripe.transfers[transfer_id]["amount"] = 39_999
    fake_stripe.reverse_transfer(client.v1.transfers.create(
        params={"amount": 5, "currency": "gbp", "destination": world["account"]}).id)
    result = run_cli(app, "payments", "reconcile")
    assert result.exit_code == 1
    assert "is £399.99 at Stripe but £400.00 in ledger" in result.output
    assert "was reversed at Stripe but the ledger still counts it as paid" in result.output


@pytest.mark.postgres_only
def test_ten_concurrent_releases_make_one_transfer(app, session, world, fake_stripe):
    first = world["instalments"][0]
    session.rollback()
    barrier = threading.Barrier(10)
    outcomes, errors = [], []

    def release_and_pay():
        with app.app_context():
            try:
                barrier.wait()
                try:
                    payouts.release_instalment(db.session, "system", first)
                    db.session.commit()
                except IllegalTransition:
                    db.session.rollback()
                result = payouts.pay_instalment(db.session, stripe_client.make_client(), first)
                outcomes.append(result.outcome)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(exc))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=release_and_pay) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(outcomes) == ["already_done"] * 9 + ["sent"]
    assert len(fake_stripe.transfers) == 1
    assert [(m, p) for m, p in fake_stripe.requests if p == "/v1/transfers"] == [("POST", "/v1/transfers")]
    assert len(_entries(session, EntryType.AWARD_RELEASED)) == 1
    assert len(_entries(session, EntryType.PAYMENT_SENT)) == 1
