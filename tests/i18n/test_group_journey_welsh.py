"""The group's journey in Welsh: a person who chooses Cymraeg with the language switcher
applies (form, steps, refusals, check your answers, submission and its reference, the
timeline) and later reads the panel's decision, all in Welsh, with Welsh emails even when
someone else's request sends them. (test_marked_strings checks the catalogue covers it.)"""

from __future__ import annotations

import re

import pytest

from commonpot.extensions import db
from grants.models import Application
from grants.states import RoundPhase
from tests.grants.factories import create_fund, create_group, create_round
from tests.helpers import post_form, sign_in
from tests.panels import factories as pf


def _choose_welsh(client, back="/grants/"):
    """What a person does: follow the switcher's Cymraeg link."""
    page = client.get(back).get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" lang="cy" hreflang="cy">Cymraeg</a>', page)
    assert link, "no Welsh link in the switcher"
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 302


@pytest.fixture
def open_round(app, make_user):
    with app.app_context():
        fund = create_fund(db.session)
        db.session.commit()
        fund_id = fund.id
    gwen = make_user("gwen@example.org", name="Gwenllian")
    with app.app_context():
        round_ = create_round(db.session, db.session.get(type(fund), fund_id))
        group = create_group(db.session, gwen, name="Garddwyr Glan-yr-afon")
        db.session.commit()
        return {"slug": round_.slug, "group_id": group.id}


def test_a_welsh_choosing_group_applies_in_welsh(client, session, open_round, outbox):
    sign_in(client, "gwen@example.org")
    _choose_welsh(client)

    round_page = client.get(f"/grants/rounds/{open_round['slug']}").get_data(as_text=True)
    assert "Pwy all wneud cais" in round_page and "Dechrau cais" in round_page
    assert "£100 i £2,000" in round_page  # the grant range, formatted by Babel

    started = post_form(client, f"/grants/rounds/{open_round['slug']}/apply",
                        {"group_id": open_round["group_id"]})
    application_id = int(re.search(r"/applications/(\d+)/", started.headers["Location"]).group(1))
    base = f"/grants/applications/{application_id}/steps"

    # The form and its buttons.
    project = client.get(f"{base}/project").get_data(as_text=True)
    assert "Eich prosiect" in project and "Beth yw enw eich prosiect?" in project
    assert "Cadw a pharhau" in project and "Cadw a dod yn ôl yn nes ymlaen" in project
    assert "Save and continue" not in project

    # A refusal, in Welsh, with what was typed kept.
    refused = post_form(client, f"{base}/project", {"_title": "", "_postcode": "DIM COD", "_theme": ""})
    page = refused.get_data(as_text=True)
    assert "Rhowch enw ar gyfer eich prosiect." in page and "Rhowch y cod post llawn" in page
    assert 'value="DIM COD"' in page

    assert post_form(client, f"{base}/project", {"_title": "Gardd gymunedol", "_postcode": "RT1 4AB",
                                                 "_theme": "Environment"}).status_code == 302
    questions = post_form(client, f"{base}/questions-1", {"what": " ".join(["gair"] * 25),
                                                          "people": "llawer"})
    assert "defnyddiwch 20 gair neu lai (mae gennych 25)" in questions.get_data(as_text=True)
    assert post_form(client, f"{base}/questions-1",
                     {"what": "Plannu gardd", "people": "1200"}).status_code == 302
    assert post_form(client, f"{base}/questions-2", {"often": "Weekly"}).status_code == 302
    budget = client.get(f"{base}/budget").get_data(as_text=True)
    assert "Llinellau cyllideb" in budget and "Offer a deunyddiau" in budget
    assert post_form(client, f"{base}/budget", {
        "line-1-description": "Hadau", "line-1-category": "equipment", "line-1-amount": "400",
        "line-2-description": "Offer", "line-2-category": "equipment", "line-2-amount": "850",
        "requested": "1250"}).status_code == 302

    # Check your answers: Welsh words, Babel figures (not "1250" or "1200").
    check = client.get(f"/grants/applications/{application_id}/check").get_data(as_text=True)
    assert "Gwirio eich atebion cyn i chi gyflwyno" in check and "Cyflwyno’r cais" in check
    assert "£1,250" in check and "1,200" in check
    # Submitting without the declarations is refused in Welsh.
    refused = post_form(client, f"/grants/applications/{application_id}/submit", {})
    assert "Cadarnhewch y datganiadau i gyflwyno eich cais." in refused.get_data(as_text=True)

    submitted = post_form(client, f"/grants/applications/{application_id}/submit", {"declarations": "y"},
                          follow_redirects=True)
    page = submitted.get_data(as_text=True)
    reference = session.get(Application, application_id).reference
    assert f"Cais wedi’i gyflwyno. Eich cyfeirnod yw {reference}." in page
    # The status and the timeline.
    assert "Wedi’i gyflwyno" in page and f"Wedi’i gyflwyno fel {reference}" in page
    assert "Cais wedi’i ddechrau" in page and "Beth sydd wedi digwydd" in page
    assert "Submitted as" not in page and "Application started" not in page

    # The confirmation email is in the language the group applied in.
    (subject, body), = [(s, b) for _, s, b in outbox("gwen@example.org")]
    assert subject == f"Cais wedi dod i law: {reference}"
    assert "Swm y gofynnwyd amdano: £1,250" in body


@pytest.fixture
def decided_world(app, make_user):
    """A round in deciding with one eligible application from a Welsh-speaking group."""
    chair = make_user("chair@example.org", name="Chris Chair")
    gwen = make_user("gwen@example.org", name="Gwenllian")
    with app.app_context():
        session = db.session
        round_ = pf.create_round(session, pf.create_fund(session), phase=RoundPhase.DECIDING,
                                 budget_pence=500_000)
        group = pf.create_group(session, "Garddwyr Glan-yr-afon", members=[gwen])
        application = pf.create_application(session, round_, group, creator_id=gwen,
                                            title="Gardd gymunedol", requested_pence=120_000)
        pf.create_panel(session, round_, chair_id=chair)
        session.commit()
        return {"round_id": round_.id, "application_id": application.id}


def test_the_decision_reads_in_welsh_and_is_emailed_in_welsh(make_client, decided_world, outbox):
    application_id = decided_world["application_id"]
    gwen = make_client()
    sign_in(gwen, "gwen@example.org")
    _choose_welsh(gwen)  # remembered on her account, so the chair's release writes to her in Welsh

    not_yet = gwen.get(f"/panels/applications/{application_id}/outcome").get_data(as_text=True)
    assert "Nid yw’r panel wedi rhyddhau ei benderfyniadau eto." in not_yet

    chair = make_client()  # an English-speaking chair decides and releases
    sign_in(chair, "chair@example.org")
    assert post_form(chair, f"/panels/applications/{application_id}/decision", {
        "outcome": "award", "amount": "1000", "reason": "Nid yw llogi’r fan wedi’i ariannu",
        "feedback": "Cynllun clir."}).status_code == 302
    assert post_form(chair, f"/panels/rounds/{decided_world['round_id']}/release").status_code == 302

    page = gwen.get(f"/panels/applications/{application_id}/outcome").get_data(as_text=True)
    assert "Penderfyniad ar eich cais" in page
    assert "Rydych wedi cael dyfarniad o £1,000." in page
    assert "Mae hyn yn llai nag y gofynnoch amdano oherwydd: Nid yw llogi’r fan wedi’i ariannu" in page
    assert "Adborth gan y panel" in page and "Cynllun clir." in page
    assert "You have been awarded" not in page

    application_page = gwen.get(f"/grants/applications/{application_id}").get_data(as_text=True)
    assert "Wedi’i ddyfarnu" in application_page
    assert "Darllen penderfyniad ac adborth y panel" in application_page

    (subject, body), = [(s, b) for _, s, b in outbox("gwen@example.org")]
    assert subject == "Mae eich cais am grant wedi bod yn llwyddiannus"
    assert "Mae’n bleser gennym ddyfarnu £1,000.00 i chi." in body


def test_an_english_reader_still_reads_english(client, open_round):
    sign_in(client, "gwen@example.org")
    page = client.get(f"/grants/rounds/{open_round['slug']}").get_data(as_text=True)
    assert "Who can apply" in page and "Pwy all wneud cais" not in page
