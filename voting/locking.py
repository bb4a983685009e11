"""The round's lock: what makes a close wait for ballots in flight, and refuse any after it."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from voting.models import VotingRound


def lock_round(session: Session, voting_round: VotingRound, *, exclusive: bool) -> None:
    """Take the round's lock and read its state afresh: shared for a cast or a change,
    exclusive for a phase change, so the close waits for ballots in flight and no ballot
    lands after it.

    PostgreSQL: a row lock (FOR SHARE / FOR UPDATE). SQLite has no row locks and ignores
    FOR UPDATE; there a write that changes nothing takes the database's one write lock first,
    so the state is read only once every earlier writer has committed (reads before a
    write run outside any transaction in the driver, and would otherwise see the round as it
    was before a close in flight)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(VotingRound).where(VotingRound.id == voting_round.id)
                        .values(id=VotingRound.id))
    if exclusive:
        session.refresh(voting_round, with_for_update=True)
        return
    # A cast or a change needs only the state afresh: one small query, where refreshing the
    # whole round would also reload its districts and projects.
    state = session.execute(select(VotingRound.state).where(VotingRound.id == voting_round.id)
                            .with_for_update(read=True)).scalar_one()
    set_committed_value(voting_round, "state", state)
