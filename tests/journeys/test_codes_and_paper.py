"""Journey 4: a voter with a code from a letter votes without an account; a steward enters a
batch of paper ballots, keyed twice, compares the keyings and accepts the batch.

The round and its letter codes are arranged through the voting operations; the voter's and
the steward's steps go through the browser."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.voting.factories import district_ids, open_round
from voting import operations
from voting.models import Ballot, VoterRollEntry, VotingRound

pytestmark = [pytest.mark.browser, pytest.mark.journey]

PAPER = [(1, "Benches on the green, £3,000"), (2, "Library garden, £4,000")]


def test_a_code_voter_and_a_steward_keying_paper_ballots_twice(tour, data, make_user):
    tour.check_other_languages_too()
    with data() as s:
        round_id = open_round(s)
        voting_round = s.get(VotingRound, round_id)
        code, = operations.generate_codes(s, "system", voting_round,
                                          district_id=district_ids(voting_round)["North"],
                                          label="Letters", count=1)
        round_title = voting_round.title
    make_user("stella@example.org", name="Stella Steward", steward=True)

    # The voter: no account, only the code on the letter.
    voter = tour.visitor("code-voter")
    voter.goto("/")
    voter.follow("Vote", within=voter.page.locator("header"))
    voter.follow(round_title)
    voter.follow("Vote with your code")
    voter.fill("Voting code", code.lower())
    voter.press("Continue")
    voter.page.get_by_role("checkbox", name="Benches on the green, £3,000").check()
    voter.press("Cast my vote")
    assert voter.page.locator("#receipt").inner_text().strip()

    # The steward: a batch from the market stall, every ballot keyed twice.
    steward = tour.visitor("steward")
    steward.goto("/")
    steward.sign_in("stella@example.org")
    steward.follow("Vote", within=steward.page.locator("header"))
    steward.follow(round_title)
    steward.follow("Enter paper ballots")
    steward.fill("Event", "Market stall")
    steward.fill("Date of the event", "2026-11-21")
    steward.field("District of the event").select_option(label="North")
    steward.fill("First serial number", "1")
    steward.fill("Last serial number", "50")
    steward.page.get_by_label("Key every ballot twice and compare before counting").check()
    steward.press("Start batch")
    for keying in ("First keying", "Second keying"):
        for serial, choice in PAPER:
            steward.field("Keying").select_option(label=keying)
            steward.fill("Serial number on the ballot paper", str(serial))
            steward.page.get_by_role("checkbox", name=choice).check()
            steward.press("Enter this ballot")
            assert f"Ballot {serial} entered" in steward.text()
    with data() as s:
        assert s.scalar(select(func.count()).select_from(Ballot)) == 1  # only the code's, so far
    steward.follow("compare the keyings")
    assert "2 ballots keyed the same both times; 0 to resolve" in steward.text()
    steward.press("Accept the batch and count its 2 ballots")
    assert "Accepted" in steward.row("Market stall").inner_text()

    with data() as s:
        channels = dict(s.execute(select(VoterRollEntry.channel, func.count())
                                  .group_by(VoterRollEntry.channel)).all())
        assert channels == {"code": 1, "paper": 2}
        assert s.scalar(select(func.count()).select_from(Ballot)) == 3
    tour.finish()
