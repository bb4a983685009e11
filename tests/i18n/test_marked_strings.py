"""Every word people read is marked for translation, and Welsh covers the two journeys that
Welsh public bodies must offer in Welsh.

(a) Each template is read for text nodes and read attributes outside `_()`/`{% trans %}`
    (tests/i18n/untranslated.py says how).
(b) The strings of the resident's journey (eligibility, ballot, receipt, results, with the
    counting engine's sentences that the results page writes in the reader's language) and the
    group's journey (register, group, application, decision) are extracted from the
    templates and modules listed below, and each must have a Welsh translation.
(c) The committed template (messages.pot) holds every string the code marks: the catalogue
    was regenerated (`python -m commonpot.catalogues`) after the strings changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from jinja2 import Environment

from commonpot.catalogues import KEYWORDS, TEMPLATE, TRANSLATIONS
from tests.i18n.untranslated import unmarked

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
ALL_TEMPLATES = sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html"))

# Pages and modules a person meets on each journey (layout and shared pieces included).
SHARED = ["templates/base.html", "templates/macros.html", "templates/errors/error.html",
          "commonpot/errors.py", "commonpot/forms.py"]
RESIDENT_JOURNEY = SHARED + [
    # find a vote, check eligibility (postcode, age), vote online or with a code
    "templates/voting/index.html", "templates/voting/round.html",
    "templates/voting/details.html", "templates/voting/not_eligible.html",
    "templates/voting/code.html", "templates/voting/code_change.html",
    "templates/voting/ballot.html", "templates/voting/_ballot.html",
    # each project's summary on the ballot, and its own page
    "templates/voting/_proposal.html", "templates/voting/proposal.html",
    "templates/voting/message.html",
    # receipt, the bulletin board where the receipt is checked, and the results
    "templates/voting/receipt.html", "templates/voting/board.html",
    "templates/voting/results.html", "templates/voting/delivery/_results_links.html",
    "voting/states.py", "voting/ballots.py", "voting/eligibility.py", "voting/casting.py",
    "voting/codes.py", "voting/receipts.py", "voting/resident_vote.py",
    "voting/views/casting.py", "voting/views/residents.py", "voting/views/receipts.py",
    "voting/views/public.py", "voting/views/__init__.py",
    # the results page's sentences from the counting engine: the rule's name, how it was
    # counted, and why each project was or was not selected
    "voting/counting/explain.py", "voting/counting/options.py", "voting/counting/rules/__init__.py",
]
GROUP_JOURNEY = SHARED + [
    # register, confirm, sign in
    "templates/accounts/register.html", "templates/accounts/login.html",
    "templates/accounts/message.html", "templates/accounts/account.html",
    "templates/accounts/reset_request.html", "templates/accounts/reset_password.html",
    "commonpot/accounts/forms.py", "commonpot/accounts/views.py",
    "commonpot/accounts/operations.py", "commonpot/accounts/tokens.py",
    # the group, the application and its decision
    "templates/grants/index.html", "templates/grants/round.html", "templates/grants/group.html",
    "templates/grants/group_form.html", "templates/grants/groups.html",
    "templates/grants/invitation.html", "templates/grants/step.html",
    "templates/grants/check.html", "templates/grants/_answers.html",
    "templates/grants/application.html", "templates/grants/refused.html",
    "templates/panels/outcome.html",
    # where signing in lands, the page before confirming the email address, and the page
    # that asks before withdrawing
    "templates/accounts/dashboard.html", "templates/accounts/confirm_email.html",
    "templates/grants/_dashboard_applications.html", "templates/confirm.html",
    "templates/grants/withdraw.html", "grants/dashboard.py", "grants/receivers.py",
    "grants/forms.py", "grants/applications.py", "grants/groups.py", "grants/states.py",
    "grants/eligibility.py", "grants/views/applications.py", "grants/views/groups.py",
    "grants/views/public.py",
    # what those pages include, the answers' wording, uploads, the emails about the
    # application (received, not eligible, decided) and how the group gets paid
    "templates/grants/_round_outcome.html", "templates/panels/_composition.html",
    "templates/grants/reports/_group_panel.html", "templates/payments/group.html",
    "grants/answers.py", "grants/models.py", "grants/uploads.py", "grants/screening.py",
    "grants/panels/decisions.py",
]


def _env() -> Environment:
    return Environment(extensions=["jinja2.ext.i18n"])


@pytest.mark.parametrize("name", ALL_TEMPLATES)
def test_no_template_has_unmarked_text(name):
    findings = unmarked(_env(), name, (TEMPLATES / name).read_text(encoding="utf-8"))
    assert not findings, "Unmarked text (wrap it in {{ _('…') }} or {% trans %}):\n" + "\n".join(
        str(f) for f in findings)


def test_the_checker_finds_unmarked_text():
    # The check itself: plain text, a read attribute, a button label and a prose literal
    # are found; marked text, expressions, numbers and punctuation are not.
    source = """{% extends "base.html" %}{% block content %}
      <h1>Your ballot</h1>
      <p>{{ _('Marked') }} {% trans n=3 %}Also {{ n }} marked{% endtrans %} {{ value }} 42 – £</p>
      <img src="x.png" alt="A photo">
      <input type="submit" value="Send it">
      {{ button('Cast my vote') }} {{ url_for('voting.show_round', round_id=1) }}
    {% endblock %}"""
    found = {(f.where, f.text) for f in unmarked(_env(), "example.html", source)}
    assert found == {("text", "Your ballot"), ("attribute alt", "A photo"),
                     ("attribute value", "Send it"), ("string literal", "Cast my vote")}


def _keywords() -> dict:
    from babel.messages.extract import DEFAULT_KEYWORDS

    keywords = dict(DEFAULT_KEYWORDS)
    for spec in KEYWORDS:
        name, _, args = spec.partition(":")
        keywords[name] = tuple(int(a) if a.isdigit() else (int(a[:-1]), "c")
                               for a in args.split(",")) if args else None
    return keywords


def _messages(path: str) -> set[str]:
    method = "jinja2" if path.startswith("templates/") else "python"
    found = set()
    for _lineno, message, _comments, context in extract_from_file(
            method, str(ROOT / path), keywords=_keywords(), options={"silent": "false"}):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.add(((context or None), msgid))
    return found


# What anyone reads without an account, and a resident's own pages beyond voting: the home
# page, awards, funds, open data, the audit trail, proposing a project, what happened to
# the winning projects, and a resident's part of "Your work".
PUBLIC_PAGES = SHARED + sorted(f"templates/public/{page.name}"
                               for page in (TEMPLATES / "public").glob("*.html")) + [
    "templates/voting/propose.html", "templates/voting/delivery/show.html",
    "templates/voting/_dashboard_votes.html", "templates/voting/_count_status.html",
    "commonpot/edge.py", "commonpot/mail.py",
]


def _welsh():
    with open(TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale="cy")


@pytest.mark.parametrize("journey,paths", [("resident", RESIDENT_JOURNEY), ("group", GROUP_JOURNEY),
                                           ("public", PUBLIC_PAGES)])
def test_welsh_covers_the_journey(journey, paths):
    catalogue = _welsh()
    missing = []
    for path in paths:
        assert (ROOT / path).exists(), f"{path} is listed for the {journey} journey but does not exist"
        for context, msgid in sorted(_messages(path), key=lambda m: m[1]):
            message = catalogue.get(msgid, context=context)
            translated = message is not None and not message.fuzzy and (
                all(message.string) if isinstance(message.string, tuple) else bool(message.string))
            if not translated:
                missing.append(f"{path}: {msgid!r}")
    assert not missing, (f"{len(missing)} strings of the {journey} journey have no Welsh "
                         "(run `python -m commonpot.catalogues`, translate in cy/messages.po, "
                         "compile):\n" + "\n".join(missing))


def test_the_committed_template_holds_every_marked_string():
    with open(TEMPLATE, "rb") as pot:
        template = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(pot) if m.id}
    marked = set()
    for pattern in ("templates/**/*.html", "commonpot/**/*.py", "grants/**/*.py", "voting/**/*.py",
                    "payments/**/*.py"):
        for path in ROOT.glob(pattern):
            marked |= _messages(str(path.relative_to(ROOT)))
    stale = sorted(msgid for context, msgid in marked - template)
    assert not stale, ("Marked strings missing from messages.pot: run `python -m commonpot.catalogues` "
                       "and commit commonpot/translations/:\n" + "\n".join(stale[:50]))


@pytest.mark.parametrize("name", ALL_TEMPLATES)
def test_no_template_hides_the_translation_function(name):
    # `{% set _ = list.append(x) %}` rebinds `_` for the rest of the template or macro, and
    # every `_('…')` after it fails on the page.
    assert "set _ =" not in (TEMPLATES / name).read_text(encoding="utf-8"), \
        f"{name}: use another name than `_` for a throwaway value"
