"""The ballot's fields are rendered once per worker while voting is open
(voting/views/ballot_fields.py). The cache must never show a voter something stale or
someone else's: a picture a moderator hides during voting disappears from the next ballot,
each language gets its own fields, and a voter's own choices are always rendered afresh."""

from __future__ import annotations

import re

from tests.helpers import post_form, sign_in
from tests.voting.factories import ballot_data, district_ids, fresh_browser, make_voter, project_ids
from tests.voting.test_proposal_details import _proposals_with_everything
from voting.models import VotingRound


def _checked(page: str) -> set[str]:
    return set(re.findall(r'value="(\d+)" data-cost="\d+"[^>]* checked', page))


def test_the_cached_ballot_follows_pictures_languages_and_choices(app, session, make_user):
    round_id = _proposals_with_everything(session, 4, "Cached ballot", voting=True)
    voting_round = session.get(VotingRound, round_id)
    proposal_id, fund_id = voting_round.proposals[0].id, voting_round.fund_id
    north, projects = district_ids(voting_round)["North"], project_ids(voting_round)
    session.commit()
    make_user("boss@example.org", fund_roles=[(fund_id, "fund_manager")])
    for email in ("ann@example.org", "bob@example.org"):
        make_voter(make_user, session, email)
    ann, bob = fresh_browser(app), fresh_browser(app)
    sign_in(ann, "ann@example.org")
    sign_in(bob, "bob@example.org")
    ballot = f"/vote/{round_id}/ballot"

    first = ann.get(ballot).get_data(as_text=True)
    assert f'src="/vote/proposals/{proposal_id}/image"' in first
    assert "What the money buys" in first and first.count("<img") == 2  # North's two projects

    # Another language: its own fields, not the English ones kept from the first page.
    welsh = bob.get(ballot, headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert '<html lang="cy"' in welsh and "What the money buys" not in welsh

    # A voter's own choices are rendered for them, and never kept for the next voter.
    picked = projects["Project 0"]
    update = ballot_data({north: {picked: 1}}, update="1")
    del update["cast"]  # "Update totals", not "Cast"
    updated = post_form(ann, ballot, update)
    assert _checked(updated.get_data(as_text=True)) == {str(picked)}
    assert _checked(bob.get(ballot).get_data(as_text=True)) == set()

    # A moderator hides a picture while voting is open: the next ballot no longer shows it.
    manager = fresh_browser(app)
    sign_in(manager, "boss@example.org")
    removed = post_form(manager, f"/vote/proposals/{proposal_id}/image/remove",
                        {"removal_reason": "Not the project's own picture."})
    assert removed.status_code == 302
    after = bob.get(ballot).get_data(as_text=True)
    assert f'src="/vote/proposals/{proposal_id}/image"' not in after and after.count("<img") == 1
