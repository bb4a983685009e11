"""Releasing decisions commits each award in the fund's ledger, or releases nothing."""

from sqlalchemy import select

from grants.models import Award, Fund, Round
from grants.states import RoundPhase
from payments import ledger
from payments.models import Instalment, LedgerEntry
from payments.states import EntryType
from tests.helpers import post_form, sign_in
from tests.panels.test_scoring_and_decisions import _assign, _decide


def _decide_all(client, world):
    a, b, c, d = world.apps
    _decide(client, a, outcome="award", amount="1000")
    _decide(client, b, outcome="award", amount="800", reason="The van hire is not funded")
    _decide(client, c, outcome="decline", feedback="Not this time")
    _decide(client, d, outcome="decline", feedback="Not this time")


def test_release_commits_every_award_and_creates_its_instalments(client, db_scope, panel_world):
    _assign(db_scope, panel_world)
    sign_in(client, "chair@example.org")
    _decide_all(client, panel_world)
    with db_scope() as s:
        round_ = s.get(Round, panel_world.round_id)
        round_.phase = RoundPhase.DECIDING
        fund_id = round_.fund_id
    assert post_form(client, f"/panels/rounds/{panel_world.round_id}/release").status_code == 302
    with db_scope() as s:
        committed = s.scalars(select(LedgerEntry).where(
            LedgerEntry.entry_type == EntryType.AWARD_COMMITTED)).all()
        assert sorted(e.amount_pence for e in committed) == [80_000, 100_000]
        balance = ledger.fund_balance(s, fund_id)
        assert balance.available_pence == s.get(Fund, fund_id).budget_pence - 180_000
        instalments = s.scalars(select(Instalment).order_by(Instalment.amount_pence)).all()
        assert sorted(i.amount_pence for i in instalments) == [16_000, 20_000, 64_000, 80_000]


def test_release_is_refused_whole_when_the_fund_cannot_cover_the_awards(client, db_scope, panel_world):
    _assign(db_scope, panel_world)
    sign_in(client, "chair@example.org")
    _decide_all(client, panel_world)
    with db_scope() as s:
        round_ = s.get(Round, panel_world.round_id)
        round_.phase = RoundPhase.DECIDING
        # The round's own budget allows £1,800, but the fund now holds only £1,500.
        s.get(Fund, round_.fund_id).budget_pence = 150_000
    page = post_form(client, f"/panels/rounds/{panel_world.round_id}/release", follow_redirects=True)
    assert "Decisions not released" in page.get_data(as_text=True)
    with db_scope() as s:
        assert s.get(Round, panel_world.round_id).phase == RoundPhase.DECIDING
        assert all(a.released_at is None for a in s.scalars(select(Award)))
        assert s.scalar(select(LedgerEntry).where(
            LedgerEntry.entry_type == EntryType.AWARD_COMMITTED)) is None
