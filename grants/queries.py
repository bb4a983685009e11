"""Read-only questions other modules ask about funds, rounds and applications."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot.i18n import _, format_number
from commonpot.money import format_pence
from grants.models import Application, Award, FundArea, Group, GroupMembership, Round
from grants.states import RECEIVED_STATUSES, ApplicationStatus, AwardStatus, RoundPhase

# Awards that still hold money: a declined award gives its money back to the round.
COMMITTED_AWARD_STATUSES = (AwardStatus.OFFERED, AwardStatus.ACCEPTED)


def round_by_slug(session: Session, slug: str) -> Round | None:
    return session.scalar(select(Round).where(Round.slug == slug))


def published_rounds(session: Session) -> list[Round]:
    return list(session.scalars(select(Round).where(Round.phase != RoundPhase.DRAFT)
                                .order_by(Round.closes_at.desc())))


def round_awarded_pence(session: Session, round_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(Award.amount_pence), 0)).where(
        Award.round_id == round_id, Award.status.in_(COMMITTED_AWARD_STATUSES))) or 0


def round_budget_remaining(session: Session, round_: Round) -> int:
    """The round's total less awards offered or accepted, in pence."""
    return round_.budget_pence - round_awarded_pence(session, round_.id)


def received_applications(session: Session, round_id: int) -> list[Application]:
    """Submitted applications (any status after submission except withdrawn)."""
    return list(session.scalars(select(Application).where(
        Application.round_id == round_id,
        Application.status.in_([s.value for s in RECEIVED_STATUSES]))
        .order_by(Application.submitted_at, Application.id)))


def eligible_applications(session: Session, round_id: int) -> list[Application]:
    """What panels score: eligible, awarded or not awarded."""
    return list(session.scalars(select(Application).where(
        Application.round_id == round_id,
        Application.status.in_([ApplicationStatus.ELIGIBLE.value, ApplicationStatus.AWARDED.value,
                                ApplicationStatus.NOT_AWARDED.value]))
        .order_by(Application.reference)))


def group_ids_for(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(GroupMembership.group_id)
                                .where(GroupMembership.user_id == user_id)))


def groups_for(session: Session, user_id: int, admin_only: bool = False) -> list[Group]:
    query = select(Group).join(GroupMembership).where(GroupMembership.user_id == user_id)
    if admin_only:
        query = query.where(GroupMembership.role == "group_admin")
    return list(session.scalars(query.order_by(Group.name)))


def applications_for_user(session: Session, user_id: int) -> list[Application]:
    ids = group_ids_for(session, user_id)
    if not ids:
        return []
    return list(session.scalars(select(Application).where(Application.group_id.in_(ids))
                                .order_by(Application.updated_at.desc())))


@dataclass
class RoundStatistics:
    received: int
    requested_pence: int
    budget_pence: int
    by_theme: list[tuple[str, int, int]] = field(default_factory=list)
    by_area: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def oversubscription(self) -> float:
        """Requested divided by budget: 2.5 means asked for two and a half times the money."""
        return self.requested_pence / self.budget_pence if self.budget_pence else 0.0

    @property
    def subscription_summary(self) -> str:
        """The oversubscription figure in words that stay true below 1 (under-subscribed)."""
        if not self.budget_pence:
            return _("No money has been set aside for this round yet.")
        if self.requested_pence > self.budget_pence:
            return _("Oversubscribed: %(times)s times the money available was requested.",
                     times=format_number(self.oversubscription, places=2))
        if self.requested_pence == self.budget_pence:
            return _("Exactly the money available was requested.")
        share = self.requested_pence * 100 // self.budget_pence
        return _("Not oversubscribed: requests add up to %(percent)s%% of the money available, so "
                 "%(left)s has not been asked for.", percent=share,
                 left=format_pence(self.budget_pence - self.requested_pence))


def round_statistics(session: Session, round_: Round) -> RoundStatistics:
    received = [Application.round_id == round_.id,
                Application.status.in_([s.value for s in RECEIVED_STATUSES])]
    count, requested = session.execute(
        select(func.count(Application.id),
               func.coalesce(func.sum(Application.requested_amount_pence), 0)).where(*received)
    ).one()
    # Group by the plain columns and label missing values here: PostgreSQL does not treat
    # two separately bound COALESCE defaults as the same grouping expression.
    total = func.coalesce(func.sum(Application.requested_amount_pence), 0)
    by_theme = session.execute(
        select(Application.theme, func.count(Application.id), total)
        .where(*received).group_by(Application.theme)
        .order_by(func.count(Application.id).desc(), Application.theme)).all()
    by_area = session.execute(
        select(FundArea.name, func.count(Application.id), total)
        .select_from(Application).outerjoin(FundArea, Application.area_id == FundArea.id)
        .where(*received).group_by(FundArea.name)
        .order_by(func.count(Application.id).desc(), FundArea.name)).all()
    return RoundStatistics(received=count, requested_pence=int(requested),
                           budget_pence=round_.budget_pence,
                           by_theme=[(name or "No theme given", n, int(asked))
                                     for name, n, asked in by_theme],
                           by_area=[(name or "Outside the listed areas", n, int(asked))
                                    for name, n, asked in by_area])
