"""Choosing a language: plain links (no JavaScript), remembered, and figures per locale."""

from __future__ import annotations

import re

from commonpot.accounts.models import User
from commonpot.extensions import db
from tests.helpers import sign_in


def _html_lang(page) -> str:
    return re.search(r'<html lang="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_english_by_default_and_welsh_from_the_browser(client):
    page = client.get("/accessibility")
    assert _html_lang(page) == "en"
    assert "Skip to main content" in page.get_data(as_text=True)

    page = client.get("/accessibility", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"})
    assert _html_lang(page) == "cy"
    assert "Neidio i’r prif gynnwys" in page.get_data(as_text=True)


def test_the_switcher_sets_a_cookie_and_goes_back(client):
    page = client.get("/accessibility").get_data(as_text=True)
    # A link per language, the Welsh one marked as Welsh for screen readers.
    link = re.search(r'<a href="([^"]+)" lang="cy" hreflang="cy">Cymraeg</a>', page)
    assert link, "no Welsh link in the switcher"

    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/accessibility"
    assert "lang=cy" in response.headers["Set-Cookie"]

    # Remembered: the next pages are in Welsh whatever the browser says.
    page = client.get("/", headers={"Accept-Language": "en"})
    assert _html_lang(page) == "cy"
    assert "Eich cyfrif" in page.get_data(as_text=True) or "Mewngofnodi" in page.get_data(as_text=True)

    client.get("/language?lang=en&next=/")
    assert _html_lang(client.get("/")) == "en"


def test_the_switcher_goes_back_only_to_this_site(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"):
        response = client.get("/language", query_string={"lang": "cy", "next": target})
        assert response.status_code == 302
        assert response.headers["Location"] == "/", target


def test_an_unknown_language_changes_nothing(client):
    response = client.get("/language?lang=xx&next=/")
    assert response.status_code == 302
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]
    assert _html_lang(client.get("/")) == "en"


def test_a_signed_in_choice_follows_the_person_to_another_device(app, make_user, make_client):
    make_user("bethan@example.org")
    laptop = make_client()
    sign_in(laptop, "bethan@example.org")
    laptop.get("/language?lang=cy&next=/")
    with app.app_context():
        assert db.session.query(User).filter_by(email="bethan@example.org").one().preferred_language == "cy"

    phone = make_client()
    sign_in(phone, "bethan@example.org")
    assert _html_lang(phone.get("/")) == "cy"


def test_money_numbers_and_dates_follow_the_locale(app):
    from datetime import UTC, date, datetime

    from commonpot.i18n import format_date, format_datetime, format_money, format_number

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert format_money(120000) == "£1,200"
        assert format_money(120000, show_pence=True) == "£1,200.00"
        assert format_money(-5050) == "-£50.50"
        assert format_number(5000000) == "5,000,000"
        assert format_date(date(2027, 3, 15)) == "15 March 2027"
        assert format_datetime(datetime(2027, 7, 1, 13, 30, tzinfo=UTC)) == "1 July 2027, 2:30pm (BST)"
    with app.test_request_context("/", headers={"Accept-Language": "cy"}):
        assert format_money(120000, show_pence=True) == "£1,200.00"
        assert format_date(date(2027, 3, 15)) == "15 Mawrth 2027"
        assert format_datetime(datetime(2027, 7, 1, 13, 30, tzinfo=UTC)) == "1 Gorffennaf 2027, 14:30 (BST)"


def test_messages_work_outside_a_request():
    # Domain code marks its refusals with commonpot.i18n; a CLI command has no request.
    from commonpot.i18n import _, lazy_gettext, ngettext

    assert _("Sign in to continue.") == "Sign in to continue."
    assert str(lazy_gettext("Sign in to continue.")) == "Sign in to continue."
    assert ngettext("%(num)d vote", "%(num)d votes", 2) == "2 votes"
