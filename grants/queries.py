"""Read-only questions other modules ask about funds, rounds and applications."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from commonpot.accounts.models import User
from commonpot.db import utcnow
from commonpot.i18n import _, format_number, ngettext
from commonpot.money import format_pence
from grants.models import Application, Award, FundArea, Group, GroupMembership, Round
from grants.states import RECEIVED_STATUSES, ApplicationStatus, AwardStatus, RoundPhase

# Awards that still hold money: a declined award gives its money back to the round.
COMMITTED_AWARD_STATUSES = (AwardStatus.OFFERED, AwardStatus.ACCEPTED)


def round_by_slug(session: Session, slug: str) -> Round | None:
    return session.scalar(select(Round).where(Round.slug == slug))


def published_rounds_query(fund_id: int | None = None) -> Select:
    """Rounds past draft with their fund, latest closing first (for a paginated list)."""
    query = select(Round).where(Round.phase != RoundPhase.DRAFT).options(joinedload(Round.fund))
    if fund_id is not None:
        query = query.where(Round.fund_id == fund_id)
    return query.order_by(Round.closes_at.desc(), Round.id.desc())


def published_rounds(session: Session, fund_id: int | None = None) -> list[Round]:
    return list(session.scalars(published_rounds_query(fund_id)))


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


def submitted_applications_query(round_id: int) -> Select:
    """The manager's list: every application past draft, with its group, oldest first."""
    return (select(Application).where(Application.round_id == round_id,
                                      Application.status != ApplicationStatus.DRAFT)
            .options(joinedload(Application.group)).order_by(Application.id))


def draft_count(session: Session, round_id: int) -> int:
    return session.scalar(select(func.count(Application.id)).where(
        Application.round_id == round_id, Application.status == ApplicationStatus.DRAFT)) or 0


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


def groups_query(user_id: int, admin_only: bool = False) -> Select:
    query = select(Group).join(GroupMembership).where(GroupMembership.user_id == user_id)
    if admin_only:
        query = query.where(GroupMembership.role == "group_admin")
    return query.order_by(Group.name, Group.id)


def groups_for(session: Session, user_id: int, admin_only: bool = False) -> list[Group]:
    return list(session.scalars(groups_query(user_id, admin_only)))


def applications_for_user_query(user_id: int) -> Select:
    """Applications of every group the person belongs to, with group and round, latest first."""
    return (select(Application)
            .where(Application.group_id.in_(select(GroupMembership.group_id)
                                            .where(GroupMembership.user_id == user_id)))
            .options(joinedload(Application.group), joinedload(Application.round))
            .order_by(Application.updated_at.desc(), Application.id.desc()))


def applications_for_user(session: Session, user_id: int) -> list[Application]:
    return list(session.scalars(applications_for_user_query(user_id)))


def group_members_query(group_id: int) -> Select:
    """A group's memberships with each member's account, admins first."""
    return (select(GroupMembership).where(GroupMembership.group_id == group_id)
            .join(User, User.id == GroupMembership.user_id)
            .options(contains_eager(GroupMembership.user))
            .order_by(GroupMembership.role, User.display_name, GroupMembership.id))


def group_applications_query(group_id: int) -> Select:
    return (select(Application).where(Application.group_id == group_id)
            .options(joinedload(Application.round))
            .order_by(Application.updated_at.desc(), Application.id.desc()))


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
    def received_summary(self) -> str:
        """'1 application asking for £1,200', or 'No applications yet'."""
        if not self.received:
            return _("No applications yet.")
        return ngettext("%(count)s application asking for %(amount)s.",
                        "%(count)s applications asking for %(amount)s.", self.received,
                        count=format_number(self.received), amount=format_pence(self.requested_pence))

    @property
    def subscription_summary(self) -> str:
        """The oversubscription figure in words that stay true below 1 (under-subscribed)."""
        if not self.budget_pence:
            return _("No money has been set aside for this round yet.")
        if not self.requested_pence:
            return _("Nothing has been asked for yet.")
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
                           by_theme=[(name or _("No theme given"), n, int(asked))
                                     for name, n, asked in by_theme],
                           by_area=[(name or _("Outside the listed areas"), n, int(asked))
                                    for name, n, asked in by_area])


@dataclass
class RoundOverview:
    """What a fund manager's round overview shows: the figures, what is missing before a
    draft can open, and what is waiting for them."""

    stats: RoundStatistics
    remaining_pence: int
    missing: list[str]
    drafts: int
    awaiting_screening: int
    # A draft scheduled now would open straight away (its opening time has passed).
    opens_now: bool

    @property
    def ready(self) -> bool:
        return not self.missing


def round_overview(session: Session, round_: Round) -> RoundOverview:
    from grants.rounds import missing_before_opening

    drafts, waiting = session.execute(select(
        func.count(Application.id).filter(Application.status == ApplicationStatus.DRAFT),
        func.count(Application.id).filter(Application.status == ApplicationStatus.SUBMITTED),
    ).where(Application.round_id == round_.id)).one()
    return RoundOverview(
        stats=round_statistics(session, round_),
        remaining_pence=round_budget_remaining(session, round_),
        missing=missing_before_opening(round_) if round_.phase == RoundPhase.DRAFT else [],
        drafts=int(drafts or 0), awaiting_screening=int(waiting or 0),
        opens_now=round_.opens_at <= utcnow())
