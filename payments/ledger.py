"""The ledger: the book of record for every penny.

Balances are sums over entries, never stored counters:
  fund available = budget allocated + donations received + match drawn - awards committed
  award unpaid   = committed - (payments sent - payments failed)

Invariants are enforced where money moves, inside the caller's transaction, after locking
the row the money hangs on (SELECT ... FOR UPDATE on PostgreSQL; SQLite ignores FOR UPDATE and
nothing configures BEGIN IMMEDIATE, so there concurrent movements are not queued and the
unique idempotency keys are the only guard). Every entry carries an idempotency key that is unique in the
table, so doing the same thing twice can never move money twice. Functions here flush and
never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.i18n import _, format_money
from commonpot.refusals import Refused
from grants.models import Award, Fund
from payments.models import Instalment, LedgerEntry, MatchPledge
from payments.states import EntryType, InstalmentTrigger


class LedgerError(Refused):
    """A movement of money the rules do not allow."""


class InsufficientFunds(LedgerError):
    pass


class OverPayment(LedgerError):
    pass


class KeyReused(LedgerError):
    """An idempotency key came back with a different movement attached to it."""


# The default schedule: most of the grant when the offer is accepted, the rest after the
# end-of-grant report. Percentages of the award; the last instalment takes any rounding.
DEFAULT_SCHEDULE = ((InstalmentTrigger.ON_ACCEPTANCE, 80), (InstalmentTrigger.AFTER_FINAL_REPORT, 20))


# --- locks ---------------------------------------------------------------------------------

def lock_fund(session: Session, fund_id: int) -> Fund:
    fund = session.scalars(
        select(Fund).where(Fund.id == fund_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    return fund


def lock_award(session: Session, award_id: int) -> Award:
    return session.scalars(
        select(Award).where(Award.id == award_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def lock_instalment(session: Session, instalment_id: int) -> Instalment:
    return session.scalars(
        select(Instalment).where(Instalment.id == instalment_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


# --- posting -------------------------------------------------------------------------------

def post(session: Session, actor, entry_type: EntryType, amount_pence: int, *, fund_id: int, key: str,
         award_id: int | None = None, instalment_id: int | None = None, donation_id: int | None = None,
         match_pledge_id: int | None = None, stripe_reference: str | None = None,
         note: str | None = None) -> tuple[LedgerEntry, bool]:
    """Write one entry and its audit event. Returns (entry, created).

    A key already in the ledger returns the existing entry untouched (created=False), so a
    retried operation is harmless; the same key with a different movement is refused."""
    existing = session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))
    if existing is not None:
        if existing.entry_type != entry_type or existing.amount_pence != amount_pence:
            raise KeyReused(f"ledger key {key!r} already records {existing.entry_type} "
                            f"of {existing.amount_pence}p")
        return existing, False
    if not isinstance(amount_pence, int) or isinstance(amount_pence, bool):
        raise LedgerError("amounts are whole pence")
    if amount_pence <= 0 and not (entry_type == EntryType.BUDGET_ALLOCATED and amount_pence != 0):
        raise LedgerError("a ledger entry moves a positive amount")
    actor_text = actor if isinstance(actor, str) else audit.actor_label(actor)
    entry = LedgerEntry(
        entry_type=entry_type, amount_pence=amount_pence, fund_id=fund_id, award_id=award_id,
        instalment_id=instalment_id, donation_id=donation_id, match_pledge_id=match_pledge_id,
        idempotency_key=key, stripe_reference=stripe_reference, note=note, actor=actor_text,
    )
    session.add(entry)
    session.flush()
    audit.record(session, actor_text, f"ledger.{entry_type.value}", "ledger_entry", entry.id, {
        "amount_pence": amount_pence, "fund_id": fund_id, "award_id": award_id,
        "instalment_id": instalment_id, "donation_id": donation_id,
        "match_pledge_id": match_pledge_id, "key": key, "stripe_reference": stripe_reference,
    })
    return entry, True


# --- balances ------------------------------------------------------------------------------

def _sum(entry_type: EntryType):
    return func.coalesce(func.sum(case((LedgerEntry.entry_type == entry_type, LedgerEntry.amount_pence),
                                       else_=0)), 0)


@dataclass(frozen=True)
class FundBalance:
    budget_pence: int
    donations_pence: int
    refunds_pence: int
    match_pledged_pence: int
    match_drawn_pence: int
    committed_pence: int
    paid_pence: int

    @property
    def available_pence(self) -> int:
        return (self.budget_pence + self.donations_pence - self.refunds_pence + self.match_drawn_pence
                - self.committed_pence)

    @property
    def match_remaining_pence(self) -> int:
        return self.match_pledged_pence - self.match_drawn_pence


def fund_balance(session: Session, fund_id: int) -> FundBalance:
    row = session.execute(
        select(_sum(EntryType.BUDGET_ALLOCATED), _sum(EntryType.DONATION_RECEIVED), _sum(EntryType.REFUND),
               _sum(EntryType.MATCH_PLEDGED), _sum(EntryType.MATCH_DRAWN),
               _sum(EntryType.AWARD_COMMITTED), _sum(EntryType.PAYMENT_SENT),
               _sum(EntryType.PAYMENT_FAILED))
        .where(LedgerEntry.fund_id == fund_id)
    ).one()
    budget, donations, refunds, pledged, drawn, committed, sent, failed = (int(v) for v in row)
    return FundBalance(budget, donations, refunds, pledged, drawn, committed, sent - failed)


@dataclass(frozen=True)
class AwardBalance:
    committed_pence: int
    released_pence: int
    paid_pence: int

    @property
    def unpaid_pence(self) -> int:
        return self.committed_pence - self.paid_pence


def award_balance(session: Session, award_id: int) -> AwardBalance:
    row = session.execute(
        select(_sum(EntryType.AWARD_COMMITTED), _sum(EntryType.AWARD_RELEASED),
               _sum(EntryType.PAYMENT_SENT), _sum(EntryType.PAYMENT_FAILED))
        .where(LedgerEntry.award_id == award_id)
    ).one()
    committed, released, sent, failed = (int(v) for v in row)
    return AwardBalance(committed, released, sent - failed)


def award_balances(session: Session, award_ids) -> dict[int, AwardBalance]:
    """award_balance for many awards in one query."""
    ids = list(award_ids)
    balances = {award_id: AwardBalance(0, 0, 0) for award_id in ids}
    if ids:
        for award_id, committed, released, sent, failed in session.execute(
                select(LedgerEntry.award_id, _sum(EntryType.AWARD_COMMITTED),
                       _sum(EntryType.AWARD_RELEASED), _sum(EntryType.PAYMENT_SENT),
                       _sum(EntryType.PAYMENT_FAILED))
                .where(LedgerEntry.award_id.in_(ids)).group_by(LedgerEntry.award_id)):
            balances[award_id] = AwardBalance(int(committed), int(released), int(sent) - int(failed))
    return balances


def pledges_drawn_pence(session: Session, fund_id: int) -> dict[int, int]:
    """{match pledge id: pence drawn} for every pledge of the fund, in one query."""
    return {pledge_id: int(drawn) for pledge_id, drawn in session.execute(
        select(MatchPledge.id, func.coalesce(func.sum(LedgerEntry.amount_pence), 0))
        .outerjoin(LedgerEntry, (LedgerEntry.match_pledge_id == MatchPledge.id)
                   & (LedgerEntry.entry_type == EntryType.MATCH_DRAWN))
        .where(MatchPledge.fund_id == fund_id).group_by(MatchPledge.id))}


def pledge_drawn_pence(session: Session, pledge_id: int) -> int:
    return int(session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
            LedgerEntry.match_pledge_id == pledge_id, LedgerEntry.entry_type == EntryType.MATCH_DRAWN)
    ))


# --- budgets and awards --------------------------------------------------------------------

def sync_budget(session: Session, actor, fund: Fund) -> LedgerEntry | None:
    """Bring the ledger's budget allocations up to the fund's budget (call with the fund locked).

    The fund's budget is what its funder has allocated; the ledger records each change to
    it as an entry, keyed by the total it brings the budget to."""
    recorded = int(session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
            LedgerEntry.fund_id == fund.id, LedgerEntry.entry_type == EntryType.BUDGET_ALLOCATED)
    ))
    difference = (fund.budget_pence or 0) - recorded
    if difference == 0:
        return None
    count = session.scalar(select(func.count()).select_from(LedgerEntry).where(
        LedgerEntry.fund_id == fund.id, LedgerEntry.entry_type == EntryType.BUDGET_ALLOCATED))
    entry, _ = post(session, actor, EntryType.BUDGET_ALLOCATED, difference, fund_id=fund.id,
                    key=f"budget:{fund.id}:{count + 1}:to:{fund.budget_pence}",
                    # The record, in English (pages show entry_description, in the reader's
                    # language).
                    note="Budget set to £{:,}.{:02d}".format(*divmod(fund.budget_pence, 100)))
    return entry


def commit_award(session: Session, actor, award: Award,
                 schedule=DEFAULT_SCHEDULE) -> LedgerEntry:
    """Record `award committed` for an award and create its payment schedule.

    Refuses (InsufficientFunds) when the fund does not have the money available. Safe to
    call again for the same award: the second call changes nothing."""
    fund = lock_fund(session, award.fund_id)
    existing = session.scalar(select(LedgerEntry).where(
        LedgerEntry.idempotency_key == f"award-committed:{award.id}"))
    if existing is not None:
        return existing
    sync_budget(session, actor, fund)
    available = fund_balance(session, fund.id).available_pence
    if award.amount_pence > available:
        raise InsufficientFunds(_(
            "The fund has %(available)s available; this award needs %(needed)s.",
            available=format_money(available, show_pence=True),
            needed=format_money(award.amount_pence, show_pence=True)))
    entry, _created = post(session, actor, EntryType.AWARD_COMMITTED, award.amount_pence,
                           fund_id=fund.id, award_id=award.id, key=f"award-committed:{award.id}")
    create_schedule(session, actor, award, schedule)
    return entry


def create_schedule(session: Session, actor, award: Award, schedule=DEFAULT_SCHEDULE) -> list[Instalment]:
    if sum(percent for _, percent in schedule) != 100:
        raise LedgerError("a payment schedule must add up to 100%")
    existing = list(session.scalars(select(Instalment).where(Instalment.award_id == award.id)
                                    .order_by(Instalment.sequence)))
    if existing:
        return existing
    instalments = []
    remaining = award.amount_pence
    for sequence, (trigger, percent) in enumerate(schedule, start=1):
        amount = remaining if sequence == len(schedule) else award.amount_pence * percent // 100
        remaining -= amount
        if amount <= 0:
            continue
        instalments.append(Instalment(award_id=award.id, sequence=sequence, trigger=trigger,
                                      amount_pence=amount))
    session.add_all(instalments)
    session.flush()
    audit.record(session, actor, "payments.schedule_created", "award", award.id, {
        "instalments": [{"id": i.id, "trigger": i.trigger.value, "amount_pence": i.amount_pence}
                        for i in instalments]})
    return instalments


def check_can_pay(session: Session, award_id: int, amount_pence: int) -> None:
    """Refuse a payment that would take an award's payments past what was committed."""
    balance = award_balance(session, award_id)
    if balance.paid_pence + amount_pence > balance.committed_pence:
        raise OverPayment(_(
            "Paying %(amount)s would exceed the award: %(committed)s committed, %(paid)s already paid.",
            amount=format_money(amount_pence, show_pence=True),
            committed=format_money(balance.committed_pence, show_pence=True),
            paid=format_money(balance.paid_pence, show_pence=True)))


_BUDGET_KEY = re.compile(r"^budget:\d+:\d+:to:(\d+)$")


def entry_description(entry: LedgerEntry) -> str:
    """What a ledger line says in the fund's statement. A budget allocation says the total
    it brought the budget to, in money (read from its key, so lines written before notes
    were in pounds read the same)."""
    if entry.entry_type == EntryType.BUDGET_ALLOCATED:
        match = _BUDGET_KEY.match(entry.idempotency_key or "")
        if match:
            return _("Budget set to %(amount)s", amount=format_money(int(match.group(1))))
    return entry.stripe_reference or entry.note or ""
