"""Open-data fixtures: a decided round built through the real panel operations (scores,
decisions, release into the ledger), full of private values that must never be published,
and the official 360Giving schema read from ../shared."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from commonpot.extensions import db
from grants import operations as grants_operations
from grants.models import Application, Group, Round
from grants.panels import operations as panel_operations
from grants.states import ApplicationStatus, RoundPhase
from tests.conftest import SHARED
from tests.panels import factories as f
from voting.states import RoundState

GIVING360 = SHARED / "360giving"
GRANT_SCHEMA_URLS = (
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-schema.json",
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
)

# Values only the applicant, the panel or the fund manager may ever see.
PRIVATE = {
    "declined_group": "Hidden Hollow Allotment Society",
    "declined_title": "Secret shed project",
    "reviewer_note": "NOTE-TO-APPLICANT-quietly-weak-budget",
    "score_comment": "SCORE-COMMENT-reviewer-doubts",
    "decline_feedback": "FEEDBACK-not-this-time-because",
    "partial_reason": "PARTIAL-REASON-van-hire-cut",
    "withdrawal_reason": "WITHDRAWAL-REASON-treasurer-ill",
    "withdrawn_group": "Quiet Lane Residents",
    "conflict_details": "CONFLICT-DETAILS-my-cousin-runs-it",
    "applicant_email": "private.applicant@example.org",
    "contact_email": "group.contact@example.org",
    "contact_name": "Priya Contactperson",
    "contact_phone": "07700 900123",
    "reviewer_email": "hidden.reviewer@example.org",
    "reviewer_name": "Rhiannon Reviewer",
    "answer": "ANSWER-we-meet-at-number-12",
}


@pytest.fixture
def db_scope(app):
    @contextmanager
    def scope():
        with app.app_context():
            try:
                yield db.session
                db.session.commit()
            finally:
                db.session.remove()
    return scope


@dataclass
class OpenWorld:
    fund_id: int
    fund_slug: str
    round_id: int
    round_slug: str
    manager: int
    chair: int
    awarded_groups: list[str]
    award_pence: list[int]
    references: dict[str, str]  # title -> reference


def _group(session, name: str, member: int, **numbers) -> Group:
    group = f.create_group(session, name, members=[member])
    group.postcode = "RT1 4AB"
    group.contact_name = PRIVATE["contact_name"]
    group.contact_email = PRIVATE["contact_email"]
    group.contact_phone = PRIVATE["contact_phone"]
    group.charity_number = numbers.get("charity")
    group.company_number = numbers.get("company")
    return group


def build_decided_round(session, *, applicant: int, chair: int, reviewer: int, manager: int,
                        fund=None, slug_title: str = "Decided") -> OpenWorld:
    fund = fund or f.create_fund(session)
    round_ = f.create_round(session, fund, budget_pence=500_000)
    round_.title = f"{slug_title} round"
    gardeners = _group(session, "Riverside Gardeners", applicant)
    rowers = _group(session, "Canal Rowing Club", applicant, charity="1234567")
    hidden = _group(session, PRIVATE["declined_group"], applicant)
    quiet = _group(session, PRIVATE["withdrawn_group"], applicant)
    answers = {"summary": PRIVATE["answer"], "who_we_are": PRIVATE["answer"]}
    apps = []
    for group, title, pence in ((gardeners, "Community orchard", 100_000),
                                (rowers, "Rowing for everyone", 90_000),
                                (hidden, PRIVATE["declined_title"], 80_000)):
        application = f.create_application(session, round_, group, creator_id=applicant, title=title,
                                           requested_pence=pence)
        application.answers = dict(answers)
        application.theme = "Environment"
        apps.append(application)
    withdrawn = f.create_application(session, round_, quiet, creator_id=applicant,
                                     title="Withdrawn idea", status=ApplicationStatus.SUBMITTED)
    session.flush()
    applicant_user = f.user(session, applicant)
    grants_operations.withdraw_application(session, applicant_user, withdrawn,
                                           reason=PRIVATE["withdrawal_reason"])
    f.create_panel(session, round_, chair_id=chair, member_ids=[reviewer])
    panel = panel_operations.panel_for_round(session, round_.id)
    panel_operations.assign_reviewers(session, "system", panel)
    reviewer_user = f.user(session, reviewer)
    for application, values in zip(apps, ([5, 4], [4, 3], [1, 2]), strict=True):
        panel_operations.declare_conflict(session, reviewer_user, application, has_conflict=False)
        criteria = application.round.criteria
        panel_operations.save_review(
            session, reviewer_user, application,
            scores={c.id: (v, PRIVATE["score_comment"]) for c, v in zip(criteria, values, strict=True)},
            recommendation="fund", note_to_applicant=PRIVATE["reviewer_note"], submit=True)
    chair_user = f.user(session, chair)
    panel_operations.record_decision(session, chair_user, apps[0], outcome="award", amount_pence=100_000)
    panel_operations.record_decision(session, chair_user, apps[1], outcome="award", amount_pence=60_000,
                                     reason=PRIVATE["partial_reason"])
    panel_operations.record_decision(session, chair_user, apps[2], outcome="decline",
                                     feedback=PRIVATE["decline_feedback"])
    round_.phase = RoundPhase.DECIDING
    session.flush()
    panel_operations.release_decisions(session, chair_user, round_)
    return OpenWorld(fund.id, fund.slug, round_.id, round_.slug, manager, chair,
                     ["Riverside Gardeners", "Canal Rowing Club"], [100_000, 60_000],
                     {a.title: a.reference for a in apps})


@pytest.fixture
def open_world(db_scope, make_user) -> OpenWorld:
    applicant = make_user(PRIVATE["applicant_email"], name="Ann Applicant")
    chair = make_user("chair@example.org", name="Chris Chair")
    reviewer = make_user(PRIVATE["reviewer_email"], name=PRIVATE["reviewer_name"])
    with db_scope() as s:
        fund = f.create_fund(s)
        fund_id = fund.id
    manager = make_user("manager@example.org", name="Mo Manager", fund_roles=[(fund_id, "fund_manager")])
    with db_scope() as s:
        world = build_decided_round(s, applicant=applicant, chair=chair, reviewer=reviewer,
                                    manager=manager, fund=s.get(f.Fund, fund_id))
        # A conflict declared (with private details) on an application in another round.
        other = f.create_round(s, s.get(f.Fund, fund_id), phase=RoundPhase.SCORING)
        group = s.scalar(select(Group).where(Group.name == "Riverside Gardeners"))
        application = f.create_application(s, other, group, creator_id=applicant, title="Scoring now")
        f.create_panel(s, other, chair_id=chair, member_ids=[reviewer])
        panel_operations.declare_conflict(s, f.user(s, reviewer), application, has_conflict=True,
                                          reason="family", details=PRIVATE["conflict_details"])
    return world


@pytest.fixture
def api_world(db_scope, open_world):
    """The open world plus a published resident vote on the same fund."""
    from tests.voting import factories as voting_factories

    with db_scope() as s:
        voting_round = voting_factories.create_round(s, fund_id=open_world.fund_id,
                                                     state=RoundState.PUBLISHED)
        open_world.voting_round_id = voting_round.id
    return open_world


def load_schemas():
    if not GIVING360.is_dir():
        pytest.skip(f"the 360Giving schema is not at {GIVING360} (../shared/360giving)")
    grant = json.loads((GIVING360 / "360-giving-schema.json").read_text())
    package = json.loads((GIVING360 / "360-giving-package-schema.json").read_text())
    return grant, package


def validators():
    """(package validator, grant validator), offline: the package's remote $ref to the grant
    schema resolves to the local copy, registered under both URLs it goes by."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    grant, package = load_schemas()
    resource = Resource(contents=grant, specification=DRAFT202012)
    registry = Registry().with_resources([(url, resource) for url in GRANT_SCHEMA_URLS])
    checker = Draft202012Validator.FORMAT_CHECKER
    return (Draft202012Validator(package, registry=registry, format_checker=checker),
            Draft202012Validator(grant, registry=registry, format_checker=checker))


def assert_valid(validator, document) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def application_by_title(session, title: str) -> Application:
    return session.scalar(select(Application).where(Application.title == title))


def round_of(session, world: OpenWorld) -> Round:
    return session.get(Round, world.round_id)
