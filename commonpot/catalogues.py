"""The translation catalogues, regenerated with one command (see README, "Translations"):

    python -m commonpot.catalogues            # extract, update every language, compile
    python -m commonpot.catalogues init XX    # start a new language (then add it to LANGUAGES)
    python -m commonpot.catalogues compile    # only compile the .po files to .mo

The template (messages.pot), each language's messages.po and its compiled messages.mo live
in commonpot/translations/ and are all committed, so an install (editable or not) has working
translations without a build step; tests/i18n checks that each .mo matches its .po.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
TRANSLATIONS = PACKAGE / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
MAPPING = ROOT / "babel.cfg"  # which files hold messages, as paths from the repository root
# The names that mark a message, besides Babel's defaults (_, gettext, ngettext, pgettext, N_...).
# `phrase` and `plural_phrase` build the counting engine's sentences (voting/counting/phrases.py),
# which the web app writes in the reader's language.
KEYWORDS = ("lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2", "_l", "phrase",
            "plural_phrase:1,2")


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def languages() -> list[str]:
    return sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES").is_dir())


def extract() -> None:
    # From the repository root, so the catalogue names files relative to it, wherever the
    # checkout lives.
    os.chdir(ROOT)
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    # File names without line numbers, sorted: catalogues merge across branches without noise.
    _pybabel("extract", "-F", str(MAPPING), *keywords, "--add-location=file", "--sort-output",
             "--project=Commonpot", "--copyright-holder=Commonpot contributors",
             "-o", str(TEMPLATE), ".")


def update() -> None:
    # No fuzzy matching: a guessed translation of a different sentence is worse than English.
    _pybabel("update", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "--no-fuzzy-matching",
             "--ignore-pot-creation-date")


def compile_all() -> None:
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


def init(language: str) -> None:
    _pybabel("init", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "-l", language)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "all"
    if command == "all":
        extract()
        update()
        compile_all()
    elif command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "init" and len(args) == 2:
        extract()
        init(args[1])
        compile_all()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
