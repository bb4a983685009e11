"""The ballot's choices, rendered once per worker and reused while voting is open.

On vote day the ballot page is the busiest page there is, and almost all of it is the same
for every voter of a district: each project's choice, summary, place, cost lines and
picture. Rendering those for 60 projects took most of a ballot page's time. While a round
is voting its proposals cannot change (cost lines, pictures and reviews are refused after
review), except that a moderator may hide a picture; so the rendered fields are kept, keyed
by everything they show: the language, the contests (districts, rules, projects, costs) and
which pictures are visible (one small query). A voter who has already chosen something, or
whose ballot came back with a problem, gets a fresh render (their choices are in it)."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import current_app, get_template_attribute
from markupsafe import Markup
from sqlalchemy import select

from commonpot.extensions import db
from commonpot.i18n import current_language
from voting import operations
from voting.ballots import BallotType
from voting.models import Proposal, ProposalImage
from voting.states import RoundState

# Rounds x districts x languages a worker keeps; a fragment is some tens of kilobytes.
_MOST = 64
_lock = Lock()


def _cache() -> OrderedDict[tuple, Markup]:
    """This app's cache (one per app, so apps on different databases never share one)."""
    return current_app.extensions.setdefault("commonpot.ballot_fields", OrderedDict())


def _render(voting_round, contests, choices, tallies) -> Markup:
    fields = get_template_attribute("voting/_ballot.html", "contests_fields")
    proposals = {p.id: p for p in operations.load_proposal_details(db.session, voting_round)}
    # The macro returns Markup: the template escaped everything it put in.
    return fields(voting_round, contests, choices, tallies, BallotType, proposals)


def _visible_pictures(voting_round) -> tuple:
    return tuple(db.session.execute(
        select(ProposalImage.proposal_id, ProposalImage.id)
        .join(Proposal, Proposal.id == ProposalImage.proposal_id)
        .where(Proposal.round_id == voting_round.id, ProposalImage.removed_at.is_(None))
        .order_by(ProposalImage.proposal_id)).all())


def _key(voting_round, contests) -> tuple:
    return (voting_round.id, current_language(),
            tuple((c.district.id, c.district.name, c.district.budget_pence, c.rules,
                   tuple(c.projects.items())) for c in contests),
            _visible_pictures(voting_round))


def ballot_fields(voting_round, contests, choices, tallies) -> Markup:
    """The contests' fields as HTML: from this worker's cache when nothing is chosen yet."""
    if voting_round.state != RoundState.VOTING or any(choices.values()):
        return _render(voting_round, contests, choices, tallies)
    key, cache = _key(voting_round, contests), _cache()
    with _lock:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    rendered = _render(voting_round, contests, choices, tallies)
    with _lock:
        cache[key] = rendered
        while len(cache) > _MOST:
            cache.popitem(last=False)
    return rendered
