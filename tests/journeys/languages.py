"""The languages journeys run in, and reaching one the way a person does: the switcher."""

from __future__ import annotations

import pytest

LANGUAGES = ["en", "cy"]
# Each language is offered in its own name.
NAMES = {"en": "English", "cy": "Cymraeg"}
NO_SWITCHER = ("Welsh journeys change language through the site's language switcher (a 'Cymraeg' "
               "link in the header, with Flask-Babel and the Welsh catalogue); this branch does "
               "not have the switcher yet")


def require(tour, language: str) -> None:
    if language != "en" and not tour.welsh_available():
        pytest.skip(NO_SWITCHER)


def start_in(visitor, language: str) -> None:
    """Open the home page and, for another language, choose it with the switcher."""
    visitor.goto("/")
    if language == "en":
        return
    require(visitor.tour, language)
    visitor.choose_language(NAMES[language])
    assert visitor.page.locator("html").get_attribute("lang") == language
