"""A resident who chooses Welsh gets the journey in Welsh: eligibility, ballot, receipt; money
in the Welsh locale's format; the choice remembered across pages and sign-ins."""

from __future__ import annotations

import re

from tests.helpers import post_form, sign_in
from tests.voting.factories import ballot_data, district_ids, make_voter, open_round, project_ids
from voting.models import VotingRound


def _lang(page) -> str:
    return re.search(r'<html lang="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_a_resident_votes_in_welsh(client, session, make_user):
    round_id = open_round(session, ballot_type="knapsack", max_choices=None)
    voting_round = session.get(VotingRound, round_id)
    districts, projects = district_ids(voting_round), project_ids(voting_round)
    session.rollback()
    make_user("gwen@example.org")
    sign_in(client, "gwen@example.org")

    # The switcher on the round page: a plain link, then back to the same page.
    chosen = client.get("/language", query_string={"lang": "cy", "next": f"/vote/{round_id}"})
    assert chosen.status_code == 302 and chosen.headers["Location"] == f"/vote/{round_id}"
    round_page = client.get(f"/vote/{round_id}")
    assert _lang(round_page) == "cy"
    assert "Pleidleisio ar-lein" in round_page.get_data(as_text=True)  # "Vote online"

    # Eligibility: the refusal and the details form are in Welsh.
    refused = client.get(f"/vote/{round_id}/ballot")
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "Ni allwch bleidleisio yn y rownd hon eto" in text
    assert "Rhowch wybod i ni" in text or "cod post a’ch dyddiad geni" in text
    details = client.get(f"/vote/{round_id}/details").get_data(as_text=True)
    assert "Eich manylion ar gyfer pleidleisio" in details and "Cadw a pharhau" in details

    make_voter(make_user, session, "dafydd@example.org")
    sign_in(client, "dafydd@example.org")  # the language cookie stays with the browser
    # The ballot: Welsh words, and the knapsack status with money in pounds (£10,000 budget).
    ballot = client.get(f"/vote/{round_id}/ballot").get_data(as_text=True)
    assert "Bwrw fy mhleidlais" in ballot and "Diweddaru’r cyfansymiau" in ballot
    assert "Cast my vote" not in ballot
    assert re.search(r"cyllideb £10,000", ballot)
    data = ballot_data({districts["North"]: {projects["Playground repairs"]: 1}}, kind="knapsack")
    data.pop("cast")
    data["update"] = "1"
    totals = post_form(client, f"/vote/{round_id}/ballot", data).get_data(as_text=True)
    assert "Rydych wedi dewis £6,000; mae <strong>£4,000</strong> o’r gyllideb ar ôl." in totals

    # Casting: the receipt page in Welsh.
    cast = post_form(client, f"/vote/{round_id}/ballot",
                     ballot_data({districts["North"]: {projects["Playground repairs"]: 1}}, kind="knapsack"))
    assert cast.status_code == 200
    receipt = cast.get_data(as_text=True)
    assert "Diolch: mae eich pleidlais wedi’i bwrw" in receipt and "Cod eich derbynneb yw" in receipt


def test_the_choice_is_remembered_without_the_browser_asking(client, session, make_user):
    round_id = open_round(session)
    client.get("/language?lang=cy&next=/")
    # A browser that prefers English still gets Welsh: the explicit choice wins.
    page = client.get(f"/vote/{round_id}", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert _lang(page) == "cy"
    assert "Cyllidebau" in page.get_data(as_text=True)  # "Budgets"
    # And going back to English is one link away.
    client.get("/language?lang=en&next=/")
    page = client.get(f"/vote/{round_id}")
    assert _lang(page) == "en" and "Budgets" in page.get_data(as_text=True)


def test_a_welsh_error_page(client):
    page = client.get("/no-such-page", headers={"Accept-Language": "cy"})
    assert page.status_code == 404
    assert "Heb ddod o hyd i’r dudalen" in page.get_data(as_text=True)
