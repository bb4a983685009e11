"""Money figures grants pages and exports show but the payments domain owns: what a fund has
raised and paid, and what each award has been paid.

Payments sits above grants, so grants may not import it. Grants asks through these blinker
signals and payments answers (indico's "values from a signal" pattern): each receiver gets
the session and the ids and returns a dict. With no receiver (payments absent) the answer
is None and pages say the figure is not recorded, rather than showing a wrong £0.
"""

from __future__ import annotations

from dataclasses import dataclass

from blinker import Namespace
from sqlalchemy.orm import Session

_signals = Namespace()

# send(session, fund_ids=[...]) -> receivers return {fund_id: FundMoney}
fund_money_wanted = _signals.signal("grants.fund-money-wanted")
# send(session, award_ids=[...]) -> receivers return {award_id: paid pence}
award_paid_wanted = _signals.signal("grants.award-paid-wanted")


@dataclass(frozen=True)
class FundMoney:
    raised_pence: int  # donations less refunds, plus match funding drawn
    paid_pence: int  # payments that reached groups (sent less failed)


def _merged(results) -> dict | None:
    answers = [value for _receiver, value in results if value is not None]
    if not answers:
        return None
    merged: dict = {}
    for answer in answers:
        merged.update(answer)
    return merged


def fund_money(session: Session, fund_ids: list[int]) -> dict[int, FundMoney] | None:
    return _merged(fund_money_wanted.send(session, fund_ids=list(fund_ids)))


def award_paid(session: Session, award_ids: list[int]) -> dict[int, int] | None:
    if not award_ids:
        return {}
    return _merged(award_paid_wanted.send(session, award_ids=list(award_ids)))
