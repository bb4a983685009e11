"""Build funds, awards and connected groups through the real operations."""

from __future__ import annotations

import itertools
from datetime import timedelta

from commonpot.accounts import operations as accounts
from commonpot.db import utcnow
from grants.models import Application, Award, Fund, Funder, Group, GroupMembership, Round
from grants.states import ApplicationStatus, RoundPhase
from payments import ledger, payouts, stripe_client

_numbers = itertools.count(1)


def create_fund(session, *, budget_pence: int = 100_000, slug: str | None = None) -> Fund:
    n = next(_numbers)
    funder = Funder(name=f"Funder {n}", identifier_prefix=f"360G-f{n}", org_id=f"GB-CHC-{n:07d}")
    session.add(funder)
    session.flush()
    fund = Fund(funder_id=funder.id, name=f"Fund {n}", slug=slug or f"pay-fund-{n}",
                budget_pence=budget_pence)
    session.add(fund)
    session.flush()
    return fund


def create_group(session, *, admin_user_id: int | None = None) -> Group:
    n = next(_numbers)
    group = Group(name=f"Group {n}", slug=f"pay-group-{n}")
    session.add(group)
    session.flush()
    if admin_user_id:
        session.add(GroupMembership(group_id=group.id, user_id=admin_user_id, role="group_admin"))
        session.flush()
    return group


def _decider(session):
    n = next(_numbers)
    user = accounts.register(session, email=f"decider{n}@example.org", display_name="Decider",
                             password="correct-horse-battery")
    return user


def create_award(session, fund: Fund, group: Group, *, amount_pence: int = 10_000) -> Award:
    """An award as the decisions module makes one (grants owns these rows)."""
    n = next(_numbers)
    decider = _decider(session)
    now = utcnow()
    round_ = Round(fund_id=fund.id, slug=f"pay-round-{n}", title=f"Round {n}", max_grant_pence=10**9,
                   opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30),
                   budget_pence=fund.budget_pence, phase=RoundPhase.DECIDED)
    session.add(round_)
    session.flush()
    application = Application(round_id=round_.id, group_id=group.id, created_by_id=decider.id,
                              status=ApplicationStatus.AWARDED, title=f"Project {n}",
                              reference=f"CP-TEST-{n:06d}", submitted_at=utcnow(),
                              requested_amount_pence=amount_pence)
    session.add(application)
    session.flush()
    award = Award(application_id=application.id, round_id=round_.id, fund_id=fund.id,
                  amount_pence=amount_pence, status="accepted", decided_by_id=decider.id)
    session.add(award)
    session.flush()
    return award


def committed_award(session, fund: Fund, group: Group, *, amount_pence: int = 10_000) -> Award:
    award = create_award(session, fund, group, amount_pence=amount_pence)
    ledger.commit_award(session, "system", award)
    return award


def connect_group(session, app, fake, group: Group):
    """The group onboards with Stripe and Stripe enables payouts."""
    client = stripe_client.make_client(app.config)
    payouts.start_onboarding(session, client, "system", group, return_url="https://x.test/r",
                             refresh_url="https://x.test/f")
    account = payouts.group_account(session, group.id)
    fake.enable_payouts(account.stripe_account_id)
    payouts.refresh_account(session, client, account)
    return account


def accept_report(session, award: Award) -> None:
    """The group's end-of-grant report, written and accepted through the grants operations
    (accepting it releases the instalment held for it)."""
    from datetime import date

    from grants.reports import operations as reports

    if award.released_at is None:
        award.released_at = utcnow()
    now = utcnow()
    report = reports.schedule_report(session, "system", award, date.today() - timedelta(days=1), now=now)
    reports.save_report(session, "system", report, reports.ReportContent(
        what_happened="It happened.", learned="A lot.",
        spending={line.id: "0" for line in award.application.budget_lines},
        participation={("Other", "19 to 64"): "10"}))
    reports.submit_report(session, "system", report, now=now)
    reports.accept_report(session, "system", report, now=now)
