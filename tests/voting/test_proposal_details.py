"""Proposals a voter can judge: what the money buys (cost lines that add up to the cost),
where the project happens, and a picture the proposer uploads (checked like every upload,
alt text required, served with safe headers); on a public details page, on the ballot and
on the moderator's review page. Without JavaScript: more cost lines come from a round trip."""

from __future__ import annotations

import html
import re
import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commonpot.audit import AuditEvent
from tests.helpers import post_form, sign_in
from tests.performance.test_query_counts import queries_for
from tests.voting.factories import (
    NORTH_POSTCODE,
    SOUTH_POSTCODE,
    create_fund,
    create_round,
    fresh_browser,
    make_voter,
    open_round,
)
from voting import operations
from voting.models import Proposal, ProposalCostLine, ProposalImage, VotingRound
from voting.proposals import CostLine, ImageUpload, attach_proposal_image, set_cost_lines
from voting.states import RoundState


def png(padding: int = 0) -> bytes:
    """A real 1x1 PNG (with `padding` bytes of an ancillary chunk to make it bigger)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    extra = chunk(b"tEXt", b"c\x00" + b"x" * padding) if padding else b""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + extra + chunk(b"IDAT", zlib.compress(b"\x00\x2e\x8b\x57")) + chunk(b"IEND", b""))


def _words(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _proposing_round(session):
    round_id = open_round(session, state=RoundState.PROPOSALS)
    voting_round = session.get(VotingRound, round_id)
    districts = {d.name: d.id for d in voting_round.districts}
    session.rollback()
    return round_id, districts


def _form(district_id, **changes) -> dict:
    data = {
        "title": "Riverside benches", "summary": "Two oak benches facing the river.",
        "location": "The towpath by Mill Lock", "postcode": "rt1 1aa", "district_id": district_id,
        "group_id": 0,
        "lines-0-item": "Two oak benches", "lines-0-amount": "1,200",
        "lines-1-item": "Concrete bases and fitting", "lines-1-amount": "600.50",
        "image": (BytesIO(png()), "benches.png"),
        "image_alt": "Two wooden benches on a riverside path",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _propose(browser, round_id, data):
    return post_form(browser, f"/vote/{round_id}/propose", data, content_type="multipart/form-data")


def _resident(app, session, make_user, email="proposer@example.org"):
    make_voter(make_user, session, email)
    browser = fresh_browser(app)
    sign_in(browser, email)
    return browser


def _uploads(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_proposal_says_what_the_money_buys_and_where_with_a_picture(app, session, make_user):
    round_id, districts = _proposing_round(session)
    proposer = _resident(app, session, make_user)

    form = proposer.get(f"/vote/{round_id}/propose").get_data(as_text=True)
    assert 'name="lines-0-item"' in form and 'name="lines-0-amount"' in form
    assert 'type="file"' in form and 'accept=".png,.jpg,.jpeg"' in form
    assert 'name="image_alt"' in form
    # More lines without JavaScript: the form comes back with one more, nothing is stored.
    more = _propose(proposer, round_id, _form(districts["North"], add_line="1", image=None))
    assert more.status_code == 200
    rows = re.findall(r'name="lines-(\d+)-item"', more.get_data(as_text=True))
    assert len(rows) == len(re.findall(r'name="lines-(\d+)-item"', form)) + 1
    assert "Two oak benches" in more.get_data(as_text=True)
    assert session.scalar(select(func.count(Proposal.id)).where(Proposal.title == "Riverside benches")) == 0
    session.rollback()

    sent = _propose(proposer, round_id, _form(districts["North"]))
    assert sent.status_code == 302, _words(sent.get_data(as_text=True))
    proposal = session.scalar(select(Proposal).where(Proposal.title == "Riverside benches"))
    assert proposal.cost_pence == proposal.requested_pence == 180_050
    assert [(line.item, line.amount_pence) for line in proposal.cost_lines] == [
        ("Two oak benches", 120_000), ("Concrete bases and fitting", 60_050)]
    assert proposal.location == "The towpath by Mill Lock" and proposal.postcode == NORTH_POSTCODE
    image = proposal.image
    assert image.alt_text == "Two wooden benches on a riverside path"
    assert image.content_type == "image/png" and image.size_bytes == len(png())
    stored = Path(app.config["UPLOAD_FOLDER"]) / image.stored_name
    assert stored.read_bytes() == png() and "benches" not in image.stored_name
    proposal_id = proposal.id
    session.rollback()

    # The public details page: everything a voter needs, no JavaScript, no fixed widths.
    details = fresh_browser(app).get(f"/vote/proposals/{proposal_id}")
    assert details.status_code == 200
    page = details.get_data(as_text=True)
    text = _words(page)
    for words in ("Riverside benches", "Two oak benches facing the river.", "Two oak benches",
                  "£1,200", "Concrete bases and fitting", "£600.50", "Total £1,800.50",
                  "The towpath by Mill Lock", NORTH_POSTCODE, "North"):
        assert words in text, words
    assert (f'<img class="proposal-image" src="/vote/proposals/{proposal_id}/image" '
            f'alt="Two wooden benches on a riverside path"') in page
    assert "<script" not in page.split("</main>")[0].split("<main")[1]

    served = fresh_browser(app).get(f"/vote/proposals/{proposal_id}/image")
    assert served.status_code == 200 and served.data == png()
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Content-Disposition"].startswith("inline")
    assert "benches.png" not in served.headers["Content-Disposition"]

    # The moderator sees it all when reviewing.
    fund_id = session.get(VotingRound, round_id).fund_id
    session.rollback()
    make_user("boss@example.org", fund_roles=[(fund_id, "fund_manager")])
    manager = fresh_browser(app)
    sign_in(manager, "boss@example.org")
    assert post_form(manager, f"/vote/{round_id}/advance", {"target": "review"}).status_code == 302
    review = manager.get(f"/vote/proposals/{proposal_id}/review").get_data(as_text=True)
    for words in ("Two oak benches", "£600.50", "The towpath by Mill Lock",
                  'alt="Two wooden benches on a riverside path"'):
        assert words in review, words

    # On the ballot, the summary sits with the project's tick box.
    voting_round = session.get(VotingRound, round_id)
    for p in voting_round.proposals:
        operations.review_proposal(session, "system", p, feasible=True, reason="Checked.",
                                   cost_pence=p.cost_pence)
    operations.transition(session, "system", voting_round, RoundState.VOTING)
    session.commit()
    make_voter(make_user, session, "voter@example.org")
    voter = fresh_browser(app)
    sign_in(voter, "voter@example.org")
    ballot = voter.get(f"/vote/{round_id}/ballot").get_data(as_text=True)
    for words in ("Two oak benches facing the river.", "Concrete bases and fitting",
                  "The towpath by Mill Lock", 'alt="Two wooden benches on a riverside path"',
                  f'href="/vote/proposals/{proposal_id}"'):
        assert words in ballot, words


@pytest.mark.parametrize("changes, message", [
    ({"image_alt": ""}, "Describe the picture for people who cannot see it"),
    ({"image": (BytesIO(b"GIF89a..."), "benches.gif")}, "benches.gif is not a JPG or PNG picture"),
    ({"image": (BytesIO(b"<html><script>alert(1)</script>"), "benches.png")},
     "benches.png does not look like a real .png file"),
    ({"image": (BytesIO(png(padding=3000)), "big.png")}, "big.png is larger than"),
    ({"image": (BytesIO(png()), "../../etc/benches.png")}, "The picture’s file name is not allowed"),
    ({"lines-1-amount": ""}, "Cost line 2: enter what “Concrete bases and fitting” costs"),
    ({"lines-0-item": "", "lines-1-item": ""}, "Cost line 1: say what"),
    ({"lines-0-item": "", "lines-0-amount": "", "lines-1-item": "", "lines-1-amount": ""},
     "Say what the money buys: add at least one cost line"),
    ({"lines-0-amount": "0"}, "Cost line 1: enter an amount of more than £0"),
    ({"location": ""}, "Say where the project would happen"),
    ({"postcode": SOUTH_POSTCODE}, f"{SOUTH_POSTCODE} is in South, not North"),
    ({"postcode": "NOPE 123"}, "“NOPE 123” is not a UK postcode"),
])
def test_bad_pictures_lines_and_places_are_refused_and_nothing_is_kept(
        app, session, make_user, changes, message):
    app.config["VOTING_IMAGE_MAX_BYTES"] = 2000
    round_id, districts = _proposing_round(session)
    proposer = _resident(app, session, make_user)
    refused = _propose(proposer, round_id, _form(districts["North"], **changes))
    assert refused.status_code == 400
    assert message in _words(refused.get_data(as_text=True))
    assert session.scalar(select(func.count(Proposal.id)).where(Proposal.title == "Riverside benches")) == 0
    assert session.scalar(select(func.count(ProposalImage.id))) == 0
    assert session.scalar(select(func.count(ProposalCostLine.id))) == 0
    session.rollback()
    assert _uploads(app) == []


def test_details_and_picture_of_a_draft_round_are_hidden(app, session, make_user):
    voting_round = create_round(session, state=RoundState.DRAFT)
    proposal = voting_round.proposals[0]
    attach_proposal_image(session, "system", proposal, ImageUpload(
        "plan.png", png(), "A plan of the garden"))
    proposal_id = proposal.id
    session.commit()
    anonymous = fresh_browser(app)
    assert anonymous.get(f"/vote/proposals/{proposal_id}").status_code == 404
    assert anonymous.get(f"/vote/proposals/{proposal_id}/image").status_code == 404
    assert anonymous.get("/vote/proposals/999999").status_code == 404


def test_a_moderator_removes_a_picture_with_a_reason(app, session, make_user):
    voting_round = create_round(session, state=RoundState.REVIEW)
    proposal = voting_round.proposals[0]
    attach_proposal_image(session, "system", proposal, ImageUpload(
        "plan.png", png(), "A plan of the garden"))
    proposal_id, round_id, fund_id = proposal.id, voting_round.id, voting_round.fund_id
    session.commit()
    make_user("boss@example.org", fund_roles=[(fund_id, "fund_manager")])
    manager = fresh_browser(app)
    sign_in(manager, "boss@example.org")
    no_reason = post_form(manager, f"/vote/proposals/{proposal_id}/image/remove", {"removal_reason": ""})
    assert no_reason.status_code == 400
    assert fresh_browser(app).get(f"/vote/proposals/{proposal_id}/image").status_code == 200
    removed = post_form(manager, f"/vote/proposals/{proposal_id}/image/remove",
                        {"removal_reason": "It shows a child's face without consent."})
    assert removed.status_code == 302
    assert fresh_browser(app).get(f"/vote/proposals/{proposal_id}/image").status_code == 404
    page = fresh_browser(app).get(f"/vote/proposals/{proposal_id}").get_data(as_text=True)
    assert "<img" not in page
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "voting.proposal_image_removed"))
    assert event is not None
    session.rollback()
    assert round_id


def _proposals_with_everything(session, n: int, title: str, voting: bool) -> int:
    projects = [(("North", "South")[i % 2], f"Project {i}", 100_000 + i) for i in range(n)]
    voting_round = create_round(session, projects=projects, state=RoundState.REVIEW, title=title)
    for i, proposal in enumerate(voting_round.proposals):
        set_cost_lines(session, "system", proposal, [
            CostLine("Materials", 60_000), CostLine("Labour", 40_000 + i)])
        attach_proposal_image(session, "system", proposal, ImageUpload(
            f"p{i}.png", png(), f"Picture of project {i}"))
        if voting:
            operations.review_proposal(session, "system", proposal, feasible=True,
                                       reason="Checked.", cost_pence=proposal.cost_pence)
    if voting:
        operations.transition(session, "system", voting_round, RoundState.VOTING)
    return voting_round.id


@pytest.mark.parametrize("page", ["round", "manage", "ballot", "details"])
def test_proposal_pages_do_not_grow_with_lines_and_pictures(page, app, session, make_user):
    """Each project's cost lines and picture come in one query for all of them."""
    fund_id = create_fund(session).id
    session.commit()
    make_user("boss@example.org", fund_roles=[(fund_id, "fund_manager")])
    make_voter(make_user, session, "voter@example.org")
    counts = {}
    for n in (3, 12):
        round_id = _proposals_with_everything(session, n, f"Round {n}", voting=page == "ballot")
        first = session.get(VotingRound, round_id).proposals[0].id
        session.commit()
        browser = fresh_browser(app)
        sign_in(browser, "voter@example.org" if page == "ballot" else "boss@example.org")
        url = {"round": f"/vote/{round_id}", "manage": f"/vote/{round_id}/manage",
               "ballot": f"/vote/{round_id}/ballot", "details": f"/vote/proposals/{first}"}[page]
        counts[n] = len(queries_for(app, browser, url))
        if page in ("ballot", "details"):
            assert "Picture of project 0" in browser.get(url).get_data(as_text=True)
    assert counts[12] == counts[3], counts


def test_the_new_pages_render_in_welsh(app, session, make_user):
    """Marked strings with placeholders and plurals format in another locale too."""
    welsh = {"Accept-Language": "cy"}
    round_id = _proposals_with_everything(session, 2, "Cymraeg", voting=True)
    voting_round = session.get(VotingRound, round_id)
    proposal_id, fund_id = voting_round.proposals[0].id, voting_round.fund_id
    session.commit()
    make_user("boss@example.org", fund_roles=[(fund_id, "fund_manager")])
    make_voter(make_user, session, "voter@example.org")
    manager = fresh_browser(app)
    sign_in(manager, "boss@example.org")
    for url in (f"/vote/{round_id}/manage", f"/vote/{round_id}/advance",
                f"/vote/proposals/{proposal_id}", f"/vote/proposals/{proposal_id}/review"):
        page = manager.get(url, headers=welsh)
        assert page.status_code == 200, url
        assert '<html lang="cy"' in page.get_data(as_text=True)
    voter = fresh_browser(app)
    sign_in(voter, "voter@example.org")
    assert voter.get(f"/vote/{round_id}/ballot", headers=welsh).status_code == 200

    proposing, districts = _proposing_round(session)
    proposer = _resident(app, session, make_user)
    refused = post_form(proposer, f"/vote/{proposing}/propose",
                        _form(districts["North"], **{"lines-0-amount": "lots"}),
                        content_type="multipart/form-data", headers=welsh)
    assert refused.status_code == 400
    assert 'href="#lines-0-amount"' in refused.get_data(as_text=True)  # the summary leads to the row
