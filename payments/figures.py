"""Answers grants' questions about money (grants.money_figures): what funds raised and paid,
and what each award has been paid, summed from the ledger."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from grants.money_figures import FundMoney, award_paid_wanted, fund_money_wanted
from payments.models import LedgerEntry
from payments.states import EntryType


def _sum(entry_type: EntryType):
    return func.coalesce(func.sum(case((LedgerEntry.entry_type == entry_type, LedgerEntry.amount_pence),
                                       else_=0)), 0)


@fund_money_wanted.connect
def fund_money(session: Session, fund_ids: list[int]) -> dict[int, FundMoney]:
    rows = session.execute(
        select(LedgerEntry.fund_id, _sum(EntryType.DONATION_RECEIVED), _sum(EntryType.REFUND),
               _sum(EntryType.MATCH_DRAWN), _sum(EntryType.PAYMENT_SENT), _sum(EntryType.PAYMENT_FAILED))
        .where(LedgerEntry.fund_id.in_(fund_ids)).group_by(LedgerEntry.fund_id)).all()
    found = {fund_id: FundMoney(raised_pence=int(given) - int(refunded) + int(matched),
                                paid_pence=int(sent) - int(failed))
             for fund_id, given, refunded, matched, sent, failed in rows}
    return {fund_id: found.get(fund_id, FundMoney(0, 0)) for fund_id in fund_ids}


@award_paid_wanted.connect
def award_paid(session: Session, award_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(LedgerEntry.award_id, _sum(EntryType.PAYMENT_SENT), _sum(EntryType.PAYMENT_FAILED))
        .where(LedgerEntry.award_id.in_(award_ids)).group_by(LedgerEntry.award_id)).all()
    found = {award_id: int(sent) - int(failed) for award_id, sent, failed in rows}
    return {award_id: found.get(award_id, 0) for award_id in award_ids}
