"""Demo panels: the round being scored gets a panel with assignments and some scores; the
decided round gets its panel and released decisions matching its awards. Runs after
grants.demo (it looks the rounds up by slug) and adds nothing the second time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.accounts.models import User
from commonpot.db import utcnow
from grants.models import Award, Round
from grants.panels import operations
from grants.panels.models import ConflictDeclaration, PanelDecision
from grants.panels.states import Outcome, PanelRole
from grants.states import ApplicationStatus

SCORING_ROUND = "winter-2027"
DECIDED_ROUND = "autumn-2026"
CHAIR = "chair@demo.commonpot.org"
RESIDENT = "panel@demo.commonpot.org"

# (need, plan, value for money, ...) padded or cut to the round's criteria.
_SCORES = {
    CHAIR: [([4, 4, 3, 4], "fund", "A warm, well-run space that people already rely on.", True),
            ([3, 2, 3, 3], "maybe", "The staffing costs need a clearer plan.", True)],
    RESIDENT: [([5, 4, 4, 5], "fund", "Lots of older neighbours would use this.", True),
               ([2, 3, 2, 2], "maybe", "", False)],
}


def _people(session: Session) -> dict[str, User]:
    return {u.email: u for u in session.scalars(select(User).where(User.email.in_([CHAIR, RESIDENT])))}


def _seat_panel(session: Session, round_: Round, people: dict[str, User], **settings):
    panel = operations.configure_panel(session, "system", round_, **settings)
    operations.add_member(session, "system", panel, people[CHAIR], role=PanelRole.CHAIR)
    operations.add_member(session, "system", panel, people[RESIDENT], role=PanelRole.MEMBER,
                          is_resident=True)
    return panel


def _seed_scoring(session: Session, people) -> bool:
    round_ = session.scalar(select(Round).where(Round.slug == SCORING_ROUND))
    if round_ is None or operations.panel_for_round(session, round_.id) is not None:
        return False
    panel = _seat_panel(session, round_, people, calibrate_scores=True, show_member_names=True,
                        disagreement_threshold_hundredths=150)
    operations.assign_reviewers(session, "system", panel)
    applications = operations.reviewable_applications(session, round_.id)
    criteria = round_.criteria
    for email, sheets in _SCORES.items():
        reviewer = people[email]
        for application, (values, recommendation, note, submit) in zip(applications, sheets, strict=False):
            if operations.is_conflicted(session, reviewer.id, application):
                continue
            operations.declare_conflict(session, reviewer, application, has_conflict=False)
            scores = {c.id: (values[i % len(values)], "") for i, c in enumerate(criteria)}
            operations.save_review(session, reviewer, application, scores=scores,
                                   recommendation=recommendation, note_to_applicant=note, submit=submit)
    return True


def _seed_decided(session: Session, people) -> bool:
    round_ = session.scalar(select(Round).where(Round.slug == DECIDED_ROUND))
    if round_ is None or operations.panel_for_round(session, round_.id) is not None:
        return False
    _seat_panel(session, round_, people, show_member_names=True)
    chair = people[CHAIR]
    released = utcnow() - timedelta(days=44)
    for application in operations.reviewable_applications(session, round_.id):
        if session.scalar(select(ConflictDeclaration.id).where(
                ConflictDeclaration.application_id == application.id)) is None:
            operations.declare_conflict(session, chair, application, has_conflict=False)
        award = session.scalar(select(Award).where(Award.application_id == application.id))
        # History, written as it stood: these awards were decided and released weeks ago.
        if application.status == ApplicationStatus.AWARDED and award is not None:
            decision = PanelDecision(outcome=Outcome.AWARD, amount_pence=award.amount_pence,
                                     reason=award.partial_reason or "",
                                     feedback="The panel liked how many neighbours will take part.")
            released = award.released_at or released
        elif application.status == ApplicationStatus.NOT_AWARDED:
            decision = PanelDecision(outcome=Outcome.DECLINE, amount_pence=None,
                                     feedback="The round was oversubscribed; please apply again "
                                              "with more detail on who will benefit.")
        else:
            decision = PanelDecision(outcome=Outcome.RESERVE, amount_pence=None)
        decision.round_id = round_.id
        decision.application_id = application.id
        decision.decided_by_id = chair.id
        decision.decided_at = released - timedelta(days=1)
        decision.released_at = released
        session.add(decision)
    session.flush()
    return True


def seed(session: Session) -> bool:
    people = _people(session)
    if len(people) < 2:
        return False
    scoring = _seed_scoring(session, people)
    decided = _seed_decided(session, people)
    return scoring or decided
