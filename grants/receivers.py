"""How grants answers the platform's signals: the funds offered on the administration page.

Imported by the app factory (a composition file), never by the platform itself."""

from __future__ import annotations

from sqlalchemy import select

from commonpot.accounts.signals import fund_choices
from grants.models import Fund


@fund_choices.connect
def _funds(session, **_) -> list[tuple[int, str]]:
    return [(f.id, f.name) for f in session.scalars(select(Fund).order_by(Fund.name))]
