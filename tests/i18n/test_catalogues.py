"""The committed catalogues: every language's compiled .mo is its .po (so an install, editable
or not, needs no build step), and the app finds it."""

from __future__ import annotations

import io

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from commonpot.catalogues import TRANSLATIONS, languages
from commonpot.i18n import LANGUAGES


def test_every_language_offered_has_a_catalogue_and_every_catalogue_is_offered():
    assert set(languages()) == set(LANGUAGES) - {"en"}


@pytest.mark.parametrize("language", languages())
def test_the_compiled_catalogue_matches_its_source(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po:
        catalogue = read_po(po, locale=language)
    expected = io.BytesIO()
    write_mo(expected, catalogue)
    assert (folder / "messages.mo").read_bytes() == expected.getvalue(), (
        f"{language}: messages.mo is stale; run `python -m commonpot.catalogues compile` and commit it")
