"""Build grants objects through the real operations."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from commonpot.accounts.models import User
from commonpot.db import utcnow
from grants import operations
from grants.models import Fund, Funder, Group, Round
from grants.states import RoundPhase

AREAS = "area,kind,postcode\nRiverside,ward,RT1 4*\nNorthfield,ward,RT2*\nOld Town,ward,RT3 2CD\n"


def create_fund(session, *, slug="test-fund", areas=True, themes=("Environment", "Young people")):
    fund = session.scalar(select(Fund).where(Fund.slug == slug))
    if fund is None:
        funder = Funder(name=f"Funder {slug}", identifier_prefix=f"360G-{slug}",
                        org_id=f"GB-CHC-{abs(hash(slug)) % 10_000_000:07d}")
        session.add(funder)
        session.flush()
        fund = Fund(funder_id=funder.id, name=f"Fund {slug}", slug=slug, budget_pence=5_000_000)
        session.add(fund)
        session.flush()
    operations.set_fund_themes(session, "system", fund, list(themes))
    if areas and not fund.areas:
        operations.import_areas_csv(session, "system", fund, AREAS)
        session.refresh(fund, ["areas"])
    return fund


def create_round(session, fund, *, slug="test-round", phase=RoundPhase.OPEN, opens_in_days=-1,
                 closes_in_days=14, min_pence=10_000, max_pence=200_000, budget_pence=1_000_000,
                 allowed_org_types=(), max_per_group=1, questions=True, uses_voting=False):
    now = utcnow()
    settings = operations.RoundSettings(
        title=f"Round {slug}", description="A test round.",
        opens_at=now + timedelta(days=opens_in_days), closes_at=now + timedelta(days=closes_in_days),
        min_grant_pence=min_pence, max_grant_pence=max_pence, budget_pence=budget_pence,
        allowed_org_types=list(allowed_org_types), max_applications_per_group=max_per_group,
        uses_voting=uses_voting)
    round_ = operations.create_round(session, "system", fund, settings, slug=slug)
    operations.add_criterion(session, "system", round_, name="Need", description="Why it matters",
                             weight=3)
    if questions:
        operations.add_question(session, "system", round_, type="long_text", label="What will you do?",
                                word_limit=20, step=1, key="what")
        operations.add_question(session, "system", round_, type="number",
                                label="How many people will take part?", step=1, key="people")
        operations.add_question(session, "system", round_, type="single_choice",
                                label="How often?", options=["Weekly", "Monthly"], step=2,
                                key="often")
        operations.add_question(session, "system", round_, type="file", label="Accounts",
                                required=False, step=3, key="accounts")
    if phase != RoundPhase.DRAFT:
        operations.transition_round(session, "system", round_, RoundPhase.OPEN, reason="test",
                                    now=now + timedelta(days=opens_in_days, seconds=1))
    if phase not in (RoundPhase.DRAFT, RoundPhase.OPEN):
        raise ValueError("move the round on in the test itself")
    return round_


def create_group(session, user_id, *, name="Test Gardeners", org_type="unincorporated",
                 postcode="RT1 4AB", charity_number="", company_number="") -> Group:
    user = session.get(User, user_id)
    return operations.create_group(session, user, operations.GroupProfile(
        name=name, org_type=org_type, postcode=postcode, contact_name="Contact",
        contact_email=user.email, charity_number=charity_number, company_number=company_number))


def complete_answers(session, application, user_id, *, requested="1000"):
    user = session.get(User, user_id)
    operations.save_answers(session, user, application, {
        "_title": "Community garden", "_postcode": "RT1 4AB", "_theme": "Environment",
        "what": "Plant a garden", "people": "30", "often": "Weekly"})
    operations.save_budget(session, user, application, requested, [
        {"description": "Seeds", "category": "equipment", "amount": "400"},
        {"description": "Tools", "category": "equipment", "amount": "600"}])
    return application


def round_by_slug(session, slug) -> Round:
    return session.scalar(select(Round).where(Round.slug == slug))
