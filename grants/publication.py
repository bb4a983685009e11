"""What a round publishes beyond its awards: the fund manager's two switches (the panel's
scores for each award; the names of groups not funded). Both start off."""

from __future__ import annotations

from sqlalchemy.orm import Session

from commonpot.audit import record
from grants.models import Round


def set_round_publication(session: Session, actor, round_: Round, *, publish_scores: bool,
                          publish_declined_names: bool) -> None:
    before = {"publish_scores": round_.publish_scores,
              "publish_declined_names": round_.publish_declined_names}
    round_.publish_scores = bool(publish_scores)
    round_.publish_declined_names = bool(publish_declined_names)
    after = {"publish_scores": round_.publish_scores,
             "publish_declined_names": round_.publish_declined_names}
    if after == before:
        return
    session.flush()
    record(session, actor, "grants.round_publication_set", "round", round_.id, after)
