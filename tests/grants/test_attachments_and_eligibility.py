"""Attachments are checked and private; eligibility rules refuse with reasons."""

import io
import os
import re

import pytest
from sqlalchemy import select

from grants.models import Application, Attachment, Fund
from tests.grants.factories import create_group, create_round
from tests.helpers import csrf_token, post_form, sign_in

PDF = b"%PDF-1.4\n% test document\n"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "GRANTS_MAX_UPLOAD_BYTES": 2048}


def _start(client, slug, group_id):
    response = post_form(client, f"/grants/rounds/{slug}/apply", {"group_id": group_id})
    return response


def _upload(client, application_id, name, data):
    return client.post(f"/grants/applications/{application_id}/steps/questions-3",
                       data={"csrf_token": csrf_token(client),
                             "accounts": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def _application_id(response):
    return int(re.search(r"/applications/(\d+)/", response.headers["Location"]).group(1))


def test_attachments_refused_stored_safely_and_private(app, make_client, grants_world):
    owner = make_client()
    sign_in(owner, "gwen@example.org")
    application_id = _application_id(_start(owner, grants_world["round_slug"],
                                            grants_world["group_id"]))

    wrong = _upload(owner, application_id, "run-me.exe", b"MZ\x90\x00")
    assert "not an allowed type of file" in wrong.get_data(as_text=True)
    big = _upload(owner, application_id, "big.pdf", PDF + b"x" * 4096)
    assert "larger than" in big.get_data(as_text=True)
    fake = _upload(owner, application_id, "fake.pdf", b"<html>not a pdf</html>")
    assert "does not look like a real .pdf file" in fake.get_data(as_text=True)
    traversal = _upload(owner, application_id, "../../etc/passwd.pdf", PDF)
    assert "name is not allowed" in traversal.get_data(as_text=True)
    backslash = _upload(owner, application_id, "..\\..\\boot.pdf", PDF)
    assert "name is not allowed" in backslash.get_data(as_text=True)

    _upload(owner, application_id, "Accounts 2026.pdf", PDF)
    step = owner.get(f"/grants/applications/{application_id}/steps/questions-3")
    assert "Uploaded:" in step.get_data(as_text=True)
    assert "Accounts 2026.pdf" in step.get_data(as_text=True)
    with app.app_context():
        from commonpot.extensions import db

        attachments = db.session.scalars(select(Attachment)).all()
        assert len(attachments) == 1
        attachment = attachments[0]
        assert attachment.original_name == "Accounts 2026.pdf"
        assert re.fullmatch(r"[0-9a-f]{40}", attachment.stored_name)
        assert os.listdir(app.config["UPLOAD_FOLDER"]) == [attachment.stored_name]
        attachment_id = attachment.id

    download = owner.get(f"/grants/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF
    assert "Accounts 2026.pdf" in download.headers["Content-Disposition"]

    stranger = make_client()
    sign_in(stranger, "olu@example.org")
    assert stranger.get(f"/grants/attachments/{attachment_id}").status_code in (403, 404)
    anonymous = make_client()
    assert anonymous.get(f"/grants/attachments/{attachment_id}").status_code in (302, 401)
    manager = make_client()
    sign_in(manager, "manager@example.org")
    assert manager.get(f"/grants/attachments/{attachment_id}").status_code == 200


def test_out_of_area_postcode_is_refused_with_reason(client, grants_world):
    sign_in(client, "gwen@example.org")
    application_id = _application_id(_start(client, grants_world["round_slug"],
                                            grants_world["group_id"]))
    response = post_form(client, f"/grants/applications/{application_id}/steps/project",
                         {"_title": "Garden", "_postcode": "ZZ9 9ZZ", "_theme": "Environment"})
    assert response.status_code == 200
    assert "ZZ9 9ZZ is outside the area" in response.get_data(as_text=True)
    refused = post_form(client, f"/grants/applications/{application_id}/submit",
                        {"declarations": "y"})
    assert refused.status_code == 422
    assert "ZZ9 9ZZ is outside the area" in refused.get_data(as_text=True)


def test_postcode_prefixes_match_sectors_not_neighbouring_districts():
    from commonpot.postcodes import matches as postcode_matches

    assert postcode_matches("RT2 1XY", "RT2", True)
    assert not postcode_matches("RT21 1XY", "RT2", True)
    assert postcode_matches("RT1 4AB", "RT14", True)
    assert not postcode_matches("RT1 5AB", "RT14", True)
    assert postcode_matches("RT3 2CD", "RT32CD", False)


def test_disallowed_organisation_type_is_refused_with_reason(client, session, grants_world):
    fund = session.get(Fund, grants_world["fund_id"])
    create_round(session, fund, slug="charities-only", allowed_org_types=["charity", "cio"])
    session.commit()
    sign_in(client, "gwen@example.org")
    response = _start(client, "charities-only", grants_world["group_id"])
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "open to registered charity" in page
    assert "registered as unincorporated community group" in page
    session.rollback()
    assert session.scalar(select(Application.id)) is None


def test_the_n_plus_first_application_is_refused(client, session, grants_world):
    fund = session.get(Fund, grants_world["fund_id"])
    create_round(session, fund, slug="two-each", max_per_group=2)
    session.commit()
    sign_in(client, "gwen@example.org")
    assert _start(client, "two-each", grants_world["group_id"]).status_code == 302
    assert _start(client, "two-each", grants_world["group_id"]).status_code == 302
    third = _start(client, "two-each", grants_world["group_id"])
    assert third.status_code == 409
    assert "each group may make at most 2" in third.get_data(as_text=True)


def test_group_may_not_apply_for_a_group_it_does_not_belong_to(client, session, grants_world):
    sign_in(client, "gwen@example.org")
    response = _start(client, grants_world["round_slug"], grants_world["other_group_id"])
    assert response.status_code == 302  # back to the round with a message
    session.rollback()
    assert session.scalar(select(Application.id)) is None


def test_org_ids_follow_360giving_patterns(session, make_user):
    charity_user = make_user("c@example.org")
    company_user = make_user("d@example.org")
    charity = create_group(session, charity_user, name="Charity", org_type="charity",
                           charity_number="1234567")
    company = create_group(session, company_user, name="Cic", org_type="cic",
                           company_number="1234567")
    plain = create_group(session, company_user, name="Plain Group")
    assert charity.org_id == "GB-CHC-1234567"
    assert company.org_id == "GB-COH-01234567"
    assert plain.org_id.endswith("-group-plain-group")
