"""The results page in Welsh: the counting rule's name, how the round was counted, and why
each project was or was not selected, with figures formatted for the Welsh locale. The
counting engine writes these sentences in English (the CSV and the .pb tools keep that
English); the page writes the same phrases in the reader's language."""

from __future__ import annotations

import json
import random
import re
from fractions import Fraction

from markupsafe import escape
from sqlalchemy import select

from commonpot.catalogues import TRANSLATIONS
from tests.voting.factories import (
    create_round,
    fresh_browser,
    open_round,
)
from tests.voting.test_secrecy_and_results import _close_and_publish, _vote_everyone
from voting import artefacts
from voting.counting import RULES, Ballot, CountOptions, Election, Project, count, currency
from voting.counting.options import describe_phrases
from voting.counting.phrases import English, Phrase, render
from voting.models import ResultRow
from voting.results import RESULTS_JSON
from voting.states import RoundState

# English the engine writes that must not be left on a Welsh page (the projects' own titles,
# which people typed, stay as they are).
ENGLISH = ["Selected ", "Not selected:", "Skipped:", "Not eligible:", "Added by the greedy",
           "Comparison step", "supporter", " left.", " votes", "went first", "Ties go to",
           "Equal Shares", "Greedy", "Shares start", "to win."]


def _vote_and_publish(app, session, make_user, round_id):
    _vote_everyone(app, session, make_user, round_id)
    _close_and_publish(app, make_user, session, round_id)


def _welsh(app):
    browser = fresh_browser(app)
    assert browser.get("/language?lang=cy&next=/").status_code == 302
    return browser


def _explanations(page: str) -> list[str]:
    """The text of the table's last column (the "why"), one per project."""
    return [re.sub(r"\s+", " ", cell).strip()
            for cell in re.findall(r"</strong></td>\s*<td>(.*?)</td></tr>", page, re.S)]


def _stored(session, round_id) -> list[str]:
    rows = session.scalars(select(ResultRow).where(ResultRow.round_id == round_id)).all()
    session.rollback()
    return [r.explanation for r in rows]


def test_equal_shares_results_read_in_welsh_and_english_is_unchanged(app, client, session, make_user):
    options = {"tie_breaking": ["maxVotes", "minCost"], "completion": "add1u", "add1": ["integral"],
               "increment": "100", "comparison": "satisfaction"}
    round_id = open_round(session, counting_rule="equalshares/add1", counting_options=json.dumps(options))
    _vote_and_publish(app, session, make_user, round_id)
    english = _stored(session, round_id)
    assert len(english) == 6

    # English: the engine's sentences, exactly as stored and published in the CSV.
    page = client.get(f"/vote/{round_id}/results").get_data(as_text=True)
    assert "Counting rule: <strong>Equal Shares with the add-1 completion</strong>" in page
    assert "<li>Ties go to the project with most votes, then lowest cost, then the smaller project " \
           "number.</li>" in page
    assert "rise by £1 per voter, until the next step would overspend." in page
    assert sorted(_explanations(page)) == sorted(str(escape(e)) for e in english)
    assert "Selected in round 1 at £2,000 per supporter (2 supporters; each voter&#39;s share raised " \
           "to £4,999.33)." in page

    welsh = _welsh(app).get(f"/vote/{round_id}/results").get_data(as_text=True)
    assert '<html lang="cy"' in welsh
    assert "Rheol gyfrif: <strong>Cyfrannau Cyfartal gyda’r cam cwblhau ychwanegu-1</strong>" in welsh
    counting = re.search(r'<ul class="list">(.*?)</ul>', welsh).group(1)
    assert "<li>Os yw prosiectau’n gyfartal, y meini prawf yw: mwyaf o bleidleisiau, yna cost isaf, " \
           "yna’r rhif prosiect lleiaf.</li>" in counting
    assert "yn codi £1 y pleidleisiwr, nes y byddai’r cam nesaf yn gorwario." in counting
    why = _explanations(welsh)
    assert len(why) == 6
    for text in [counting, *why]:
        left = [words for words in ENGLISH if words in text]
        assert not left, f"English left in {text!r}: {left}"
    for sentence in english:
        assert str(escape(sentence)) not in welsh
    # Figures in the Welsh locale's format, counts with their Welsh nouns, ties explained.
    assert any(w.startswith("Dewiswyd yn rownd 1 am £2,000 y cefnogwr (2 cefnogwr; cyfran pob "
                            "pleidleisiwr wedi’i chodi i £4,999.33).") for w in why)
    assert any("aeth 3 gyntaf oherwydd bod y rownd yn dewis rhwng prosiectau cyfartal yn ôl cost îs."
               in w for w in why)
    assert any("; fe’i hepgorwyd gan y cam cwblhau barus hefyd: roedd yn costio £3,000, a dim ond £0 "
               "oedd ar ôl." in w for w in why)
    assert all("(Cam cymharu: cafodd 0 o bleidleiswyr fwy o’u prosiectau" in w for w in why)


def test_greedy_with_a_threshold_in_welsh(app, session):
    voting_round = create_round(session, state=RoundState.PUBLISHED, area_wide=False,
                                counting_rule="greedy-threshold", counting_options='{"threshold": "1"}')
    session.commit()
    round_id = voting_round.id
    session.rollback()
    welsh = _welsh(app).get(f"/vote/{round_id}/results").get_data(as_text=True)
    assert "<strong>Barus gyda throthwy pleidleisiau</strong>" in welsh
    assert "<li>Mae angen o leiaf 1 pleidlais ar brosiect i ennill.</li>" in welsh
    why = _explanations(welsh)
    assert len(why) == 5
    assert set(why) == {"Ddim yn gymwys: cafodd 0 pleidlais, o dan y trothwy o 1 pleidlais."}


def test_results_counted_before_phrases_were_kept_show_their_english(app, client, session):
    # Plain greedy with no ballots: each project "Selected 1st with no support..." in order.
    voting_round = create_round(session, state=RoundState.PUBLISHED, area_wide=False)
    session.commit()
    round_id = voting_round.id
    welsh_page = _welsh(app).get(f"/vote/{round_id}/results").get_data(as_text=True)
    assert "Dewiswyd yn rhif 1 heb gefnogaeth, am ei fod yn dal i ffitio; £7,000 ar ôl." in welsh_page
    assert "<strong>Barus (y mwyaf o gefnogaeth yn gyntaf)</strong>" in welsh_page

    # The results as a count before this change stored them: English sentences only.
    stored = artefacts.load(session, round_id, RESULTS_JSON)
    data = json.loads(stored.body)
    for district in data["districts"]:
        for row in district["rows"]:
            del row["explanation_phrases"]
    artefacts.store(session, round_id, RESULTS_JSON, json.dumps(data, sort_keys=True), artefacts.JSON)
    session.commit()
    english = _stored(session, round_id)
    welsh_page = _welsh(app).get(f"/vote/{round_id}/results").get_data(as_text=True)
    assert sorted(_explanations(welsh_page)) == sorted(str(escape(e)) for e in english)
    assert any(e.startswith("Selected 1st with no support, because it still fit; £7,000 left.")
               for e in english)
    english_page = client.get(f"/vote/{round_id}/results").get_data(as_text=True)
    assert sorted(_explanations(english_page)) == sorted(str(escape(e)) for e in english)


class _WelshOrFail(English):
    """Welsh from the committed catalogue; a template without Welsh fails the test."""

    def __init__(self):
        from babel.support import Translations

        super().__init__(currency("£", 100))
        self.catalogue = Translations.load(str(TRANSLATIONS), ["cy"])
        self.seen: set[str] = set()

    def gettext(self, message):
        self.seen.add(message)
        welsh = self.catalogue.gettext(message)
        assert welsh != message, f"no Welsh for {message!r}"
        return welsh

    def ngettext(self, singular, plural, n):
        self.seen.add(singular)
        welsh = self.catalogue.ngettext(singular, plural, n)
        assert welsh not in (singular, plural), f"no Welsh for {singular!r}"
        return welsh


def test_every_sentence_the_engine_writes_has_welsh():
    # Many small elections, every rule and the options a round can choose: each phrase the
    # engine builds (even one whose template is picked at run time) is in the Welsh catalogue,
    # and its stored form writes the same English.
    rng = random.Random(20261203)
    options = [None, CountOptions(tie_breaking=("maxVotes", "minCost"), completion="add1u",
                                  comparison="satisfaction"),
               CountOptions(tie_breaking=("maxCost",), completion="utilitarian", comparison="exclusion"),
               CountOptions(completion="add1", add1=frozenset({"integral"}), threshold=Fraction(2)),
               CountOptions(accuracy="float", completion="add1u", add1=frozenset())]
    words, english = _WelshOrFail(), English(currency("£", 100))
    for n in range(40):
        kind = ["approval", "cumulative", "ordinal"][n % 3]
        ids = ["1", "2", "3", "4", "5"][:rng.randint(1, 5)]
        costs = [Fraction(rng.randint(0, 30) * 10_000) for _ in ids]
        ballots = []
        for v in range(rng.randint(1, 6)):
            chosen = rng.sample(ids, rng.randint(0, len(ids)))
            points = tuple(rng.randint(0, 3) for _ in chosen) if kind == "cumulative" else None
            ballots.append(Ballot(f"v{v}", tuple(chosen), points, Fraction(rng.choice([1, 1, 2]))))
        meta = {"comment": "#1: project 1 was merged with another"} if n % 5 == 0 else {}
        election = Election(tuple(Project(p, c) for p, c in zip(ids, costs, strict=True)),
                            Fraction(rng.randint(0, 80) * 10_000), tuple(ballots), vote_type=kind, meta=meta)
        for rule in RULES.values():
            if election.ballot_type not in rule.ballot_types:
                continue
            for chosen in options:
                outcome = count(election, rule.name, money=currency("£", 100), options=chosen,
                                add1_unit=100)
                lines = [*outcome.details["summary_phrases"],
                         *describe_phrases((chosen or CountOptions()).over(rule.defaults),
                                           mes=rule.family == "mes", ballot_type=election.ballot_type)]
                for pid, pieces in outcome.phrases.items():
                    stored = tuple(Phrase.from_data(json.loads(json.dumps(p.to_data()))) for p in pieces)
                    assert " ".join(render(p, english) for p in stored) == outcome.explanations[pid]
                    lines += stored
                for line in lines:
                    render(line, words)
    for rule in RULES.values():
        words.gettext(rule.label)
    assert len(words.seen) > 80, len(words.seen)
