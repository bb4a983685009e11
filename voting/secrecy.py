"""Keeping the storage itself from pairing voters with ballots.

A cast writes a voter roll entry (who) and a ballot (what) in one transaction, because a
vote must never be half recorded. The database then remembers more than our columns say:
on PostgreSQL both rows carry the same transaction id (`xmin`) and sit at neighbouring
physical positions (`ctid`) in tables that grow in the same order. Two defences:

- **While voting**, every cast also rewrites a few other ballots of the round chosen at
  random (`stir`). A rewritten row gets the writing transaction's id and a new position, so
  the ballots sharing a roll entry's `xmin` are the voter's own and the stirred ones, in a
  random order, and a ballot's `xmin` soon belongs to some later voter. This blurs, but does
  not end, what a database reader learns during the vote: the README's threat model says
  what remains.
- **At the close** (`reshuffle`), the ballot table is rebuilt: every row is read, the table
  emptied (TRUNCATE: a new file), and the rows written back in a random order in the
  closing transaction. The new rows share one `xmin`, their positions are a random
  permutation, and the old file is unlinked when the transaction commits. The closing
  round's change tags are cleared, since none of its ballots can change any more.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from sqlalchemy import Table, bindparam, delete, select, text
from sqlalchemy.orm import Session

from commonpot.db import insert_rows
from voting.models import Ballot

# Other ballots rewritten by each cast. More hides more and costs more writes per cast.
STIR_COUNT = 4

_random = secrets.SystemRandom()


def new_ballot_id() -> str:
    """128 random bits: their order says nothing about when a ballot was cast."""
    return secrets.token_hex(16)


@lru_cache(maxsize=8)
def _picks(postgres: bool, tries: int):
    """The SELECT making `tries` random picks, built once (every cast runs it): the first
    ballot of the round at or after each random starting id, skipping locked rows."""
    picks = []
    for i in range(tries):
        pick = (select(Ballot.id).where(Ballot.round_id == bindparam("round_id"),
                                        Ballot.id >= bindparam(f"start{i}"))
                .order_by(Ballot.id).limit(1))
        if postgres:
            pick = pick.with_for_update(skip_locked=True)
        picks.append(pick.scalar_subquery())
    return select(*picks)


def stir(session: Session, round_id: int, *, count: int = STIR_COUNT,
         exclude: str | None = None) -> int:
    """Rewrite up to `count` random ballots of the round in this transaction; returns how many.

    Each pick starts at a random point of the random-id index, so picking costs a few index
    reads, not a scan. Rows another cast is rewriting right now are skipped rather than
    waited for (PostgreSQL's SKIP LOCKED), so concurrent casts never block or deadlock here.
    Two round trips in all: one SELECT makes every pick (a scalar subquery per random
    starting point), and one batch of UPDATEs rewrites the picked rows in a random order.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    tries = count * 2
    starts = {f"start{i}": new_ballot_id() for i in range(tries)}
    picked: list[str] = []
    for found in session.execute(_picks(postgres, tries), {"round_id": round_id, **starts}).one():
        if found is not None and found != exclude and found not in picked and len(picked) < count:
            picked.append(found)
    if picked:
        table: Table = Ballot.__table__
        # A no-change UPDATE still writes a new row version (new xmin, new position).
        session.execute(table.update().where(table.c.id == bindparam("picked"))
                        .values(choices=table.c.choices),
                        [{"picked": ballot_id} for ballot_id in _random.sample(picked, len(picked))])
    return len(picked)


def reshuffle(session: Session, closing_round_id: int | None = None) -> int:
    """Rewrite the ballot table with every row in a random order; returns the rows written.

    Ballots of every round are rewritten (rounds still voting are scrambled too); only the
    closing round's change tags are cleared, since its ballots can no longer change.
    Runs inside the caller's transaction (the close, which holds the round's lock). On
    PostgreSQL, TRUNCATE gives the table a new, empty file and unlinks the old one when the
    transaction commits; it locks only the ballot table, so casts in other rounds wait for
    the commit, a moment at most, and nothing else does.
    """
    table: Table = Ballot.__table__
    rows = [dict(row._mapping) for row in session.execute(select(*table.columns))]
    for row in rows:
        if row["round_id"] == closing_round_id:
            row["change_tag"] = None
    _random.shuffle(rows)
    session.flush()
    # No ORM copy of a ballot may outlive the rows it was read from.
    for obj in [o for o in session.identity_map.values() if isinstance(o, Ballot)]:
        session.expunge(obj)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"TRUNCATE {table.name}"))
    else:
        # SQLite stores this WITHOUT ROWID table in random-id order whatever the insert order.
        session.execute(delete(table))
    # Written in the shuffled order, which becomes the physical order.
    insert_rows(session, table, rows)
    return len(rows)
