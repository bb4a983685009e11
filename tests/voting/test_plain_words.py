"""Voting pages speak the reader's words: a counting rule by its name, a ballot type, a
proposal's status and the ways to vote in plain English, never the code's values
("mes", "approval", "not_feasible", "code 0"). The round form offers only the rules the
chosen ballot type can use, grouped so that this shows without JavaScript, and refuses
any other with a message that names the rules that fit."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.helpers import post_form, sign_in
from tests.voting.factories import create_fund, fresh_browser, open_round
from voting import operations
from voting.ballots import BallotType
from voting.models import Proposal, VotingRound
from voting.states import RoundState


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _manager(app, session, make_user):
    fund_id = create_fund(session).id
    session.commit()
    make_user("boss@example.org", fund_roles=[(fund_id, "fund_manager")])
    browser = fresh_browser(app)
    sign_in(browser, "boss@example.org")
    return browser, fund_id


def test_manage_round_and_review_pages_use_plain_words(app, session, make_user):
    round_id = open_round(session, state=RoundState.REVIEW, counting_rule="mes")
    voting_round = session.get(VotingRound, round_id)
    refused = voting_round.proposals[0]
    operations.review_proposal(session, "system", refused, feasible=False,
                               reason="The land is not the council's.", cost_pence=None)
    waiting_id = voting_round.proposals[1].id
    session.commit()
    manager, _ = _manager(app, session, make_user)

    manage = _words(manager.get(f"/vote/{round_id}/manage").get_data(as_text=True))
    assert "counted with mes" not in manage
    assert "Approval, counted with Method of Equal Shares" in manage
    assert "online codes paper" not in manage.replace(",", "")
    assert "Online, with a code, on paper" in manage
    assert "code 0" not in manage and "online 0" not in manage
    assert "not feasible" not in manage and "submitted" not in manage
    assert "Not feasible" in manage and "Submitted" in manage

    public = _words(fresh_browser(app).get(f"/vote/{round_id}").get_data(as_text=True))
    assert "not feasible" not in public and "submitted" not in public
    assert "Submitted" in public

    review = _words(manager.get(f"/vote/proposals/{waiting_id}/review").get_data(as_text=True))
    assert "submitted" not in review and "Submitted" in review


def test_results_name_the_rule_and_ballot(app, session):
    round_id = open_round(session, state=RoundState.PUBLISHED, counting_rule="mes")
    text = _words(fresh_browser(app).get(f"/vote/{round_id}/results").get_data(as_text=True))
    assert "Counting rule: Method of Equal Shares" in text
    assert " mes " not in text and "mes rule" not in text


def _rule_groups(page: str) -> dict[str, list[str]]:
    groups = {}
    for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', page, re.S):
        groups[label] = re.findall(r'<option[^>]*value="([^"]+)"', body)
    return groups


def test_the_round_form_groups_counting_rules_by_the_ballots_they_can_count(app, session, make_user):
    manager, _ = _manager(app, session, make_user)
    page = manager.get("/vote/new").get_data(as_text=True)
    groups = _rule_groups(page)
    assert groups == {
        "Any ballot type": ["greedy", "greedy-threshold", "greedy-no-skip"],
        "Approval, budget and points ballots (not ranked)": [
            "mes", "mes_add1", "mes_add1_greedy", "mes_greedy", "mes_exhaustion", "equalshares",
            "equalshares/add1", "equalshares/add1-comparison"],
        "Approval and budget ballots only": ["phragmen"],
    }
    hint = _words(page)
    assert "Ranked ballots can only be counted with the greedy rules" in hint


def test_a_rule_the_ballot_cannot_use_is_refused_naming_the_rules_that_fit(app, session, make_user):
    manager, fund_id = _manager(app, session, make_user)
    response = post_form(manager, "/vote/new", {
        "fund_id": fund_id, "title": "Ranked park money", "ballot_type": BallotType.RANKED.value,
        "counting_rule": "mes", "min_choices": 0, "min_share_percent": 0, "points_total": 10,
        "minimum_age": 16, "allow_online": "y"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    text = _words(page)
    assert ("Ranked ballots cannot be counted with Method of Equal Shares. Choose one of: "
            "Greedy (most support first); Greedy with a vote threshold; Greedy, stopping at "
            "the first project that does not fit.") in text
    assert "greedy-threshold" not in text
    assert '<a href="#counting_rule">' in page  # the message leads to the field
    assert session.scalar(select(func.count(VotingRound.id))) == 0
    assert session.scalar(select(func.count(Proposal.id))) == 0


def test_paper_batches_show_dates_as_people_write_them(app, session, make_user):
    from datetime import date

    round_id = open_round(session)
    voting_round = session.get(VotingRound, round_id)
    batch = operations.create_paper_batch(
        session, "system", voting_round, district_id=voting_round.districts[0].id,
        event="Spring fair", event_date=date(2027, 3, 15), first_serial=1, last_serial=20,
        double_keyed=False)
    batch_id = batch.id
    session.commit()
    make_user("steward@example.org", steward=True)
    steward = fresh_browser(app)
    sign_in(steward, "steward@example.org")
    for url in (f"/vote/{round_id}/paper", f"/vote/paper/{batch_id}"):
        text = _words(steward.get(url).get_data(as_text=True))
        assert "2027-03-15" not in text, url
        assert "15 March 2027" in text, url
