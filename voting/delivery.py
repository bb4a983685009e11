"""Winning proposals delivered in the open: each selected project's public delivery record
(status planned / in progress / done, dated milestones with photos, money spent against its
cost, and the responsible team's updates), and the operations fund managers use to keep it.

Operations flush and record the audit event; the request commits."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from commonpot import audit
from commonpot.db import enum_column, utcnow
from commonpot.extensions import db
from commonpot.i18n import _
from commonpot.refusals import Refused
from voting.models import Proposal, ResultRow, VotingRound


class DeliveryStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return {"planned": _("Planned"), "in_progress": _("In progress"), "done": _("Done")}[self.value]


# Work can pause and restart, and "done" can be reopened when a snag turns up; every move
# is audited with a reason, so the history stays visible.
DELIVERY_TRANSITIONS = {
    DeliveryStatus.PLANNED: frozenset({DeliveryStatus.IN_PROGRESS, DeliveryStatus.DONE}),
    DeliveryStatus.IN_PROGRESS: frozenset({DeliveryStatus.PLANNED, DeliveryStatus.DONE}),
    DeliveryStatus.DONE: frozenset({DeliveryStatus.IN_PROGRESS}),
}


class ProposalDelivery(db.Model):
    __tablename__ = "proposal_delivery"
    __table_args__ = (
        UniqueConstraint("proposal_id"),
        CheckConstraint("spent_pence >= 0", name="spent_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("voting_proposal.id"))
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus),
                                                   default=DeliveryStatus.PLANNED)
    spent_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    team_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    proposal: Mapped[Proposal] = relationship()
    milestones: Mapped[list[DeliveryMilestone]] = relationship(
        back_populates="delivery", order_by="(DeliveryMilestone.happened_on, DeliveryMilestone.id)")
    updates: Mapped[list[DeliveryUpdate]] = relationship(
        back_populates="delivery", order_by="DeliveryUpdate.id.desc()")


class DeliveryMilestone(db.Model):
    """A dated step, optionally with a photo (stored under a random name, shown only with
    the consent of the people in it)."""

    __tablename__ = "delivery_milestone"
    __table_args__ = (
        CheckConstraint("photo_stored_name IS NULL OR photo_consent", name="photo_has_consent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("proposal_delivery.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    happened_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    photo_stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    photo_content_type: Mapped[str | None] = mapped_column(String(120))
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    photo_consent: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    delivery: Mapped[ProposalDelivery] = relationship(back_populates="milestones")


class DeliveryUpdate(db.Model):
    """A note from the team responsible, in their own words."""

    __tablename__ = "delivery_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("proposal_delivery.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)

    delivery: Mapped[ProposalDelivery] = relationship(back_populates="updates")
    author = relationship("User")


# --- reading --------------------------------------------------------------------------------

def winning_proposals(session: Session, voting_round: VotingRound) -> list[Proposal]:
    return list(session.scalars(
        select(Proposal).join(ResultRow, ResultRow.proposal_id == Proposal.id)
        .where(ResultRow.round_id == voting_round.id, ResultRow.selected)
        .order_by(Proposal.id)))


def is_winner(session: Session, proposal: Proposal) -> bool:
    return bool(session.scalar(select(ResultRow.selected).where(
        ResultRow.proposal_id == proposal.id)))


def delivery_for(session: Session, proposal: Proposal) -> ProposalDelivery | None:
    return session.scalar(select(ProposalDelivery).where(ProposalDelivery.proposal_id == proposal.id))


def delivery_summary(session: Session, voting_round: VotingRound) -> dict:
    """How many winners there are and how many are done, for the results page."""
    winners = winning_proposals(session, voting_round)
    deliveries = {d.proposal_id: d for d in session.scalars(
        select(ProposalDelivery).join(ResultRow, ResultRow.proposal_id == ProposalDelivery.proposal_id)
        .where(ResultRow.round_id == voting_round.id, ResultRow.selected))}
    done = sum(1 for d in deliveries.values() if d.status == DeliveryStatus.DONE)
    # deliveries: each winner's delivery record (if started), read in the same one query.
    return {"winners": winners, "done": done, "deliveries": deliveries}


# --- changing --------------------------------------------------------------------------------

def _winner_delivery(session: Session, proposal: Proposal) -> ProposalDelivery:
    if not is_winner(session, proposal):
        raise Refused(_("Only a winning proposal has a delivery page."))
    delivery = delivery_for(session, proposal)
    if delivery is None:
        delivery = ProposalDelivery(proposal_id=proposal.id)
        session.add(delivery)
        session.flush()
    return delivery


def update_delivery(session: Session, actor, proposal: Proposal, *, status: str,
                    spent_pence: int, team_name: str, reason: str = "") -> ProposalDelivery:
    delivery = _winner_delivery(session, proposal)
    try:
        target = DeliveryStatus(status)
    except ValueError as exc:
        raise Refused(_("Choose planned, in progress or done."), "status") from exc
    if spent_pence < 0:
        raise Refused(_("Money spent cannot be negative."), "spent")
    before = {"status": delivery.status.value, "spent_pence": delivery.spent_pence,
              "team_name": delivery.team_name}
    if target != delivery.status:
        if target not in DELIVERY_TRANSITIONS[delivery.status]:
            raise Refused(_("A project that is %(current)s cannot become %(target)s.",
                            current=delivery.status.label.lower(), target=target.label.lower()),
                          "status")
        delivery.status = target
    delivery.spent_pence = spent_pence
    delivery.team_name = team_name.strip()[:200]
    session.flush()
    audit.record(session, actor, "voting.delivery_updated", "proposal", proposal.id, {
        "before": before, "after": {"status": delivery.status.value,
                                    "spent_pence": delivery.spent_pence,
                                    "team_name": delivery.team_name},
        "reason": reason.strip()})
    return delivery


PHOTO_TYPES = {"png": ("image/png", b"\x89PNG\r\n\x1a\n"), "jpg": ("image/jpeg", b"\xff\xd8\xff"),
               "jpeg": ("image/jpeg", b"\xff\xd8\xff")}


def add_milestone(session: Session, actor, proposal: Proposal, *, title: str, happened_on: date,
                  description: str = "", photo: tuple[str, bytes] | None = None,
                  photo_consent: bool = False, folder=None) -> DeliveryMilestone:
    """`photo` is (file name, bytes); `folder` is where uploads are kept."""
    delivery = _winner_delivery(session, proposal)
    if not title.strip():
        raise Refused(_("Give the milestone a short title."), "title")
    milestone = DeliveryMilestone(delivery_id=delivery.id, title=title.strip()[:200],
                                  happened_on=happened_on, description=description.strip(),
                                  created_by_id=actor.id)
    if photo is not None:
        name, data = photo
        if not photo_consent:
            raise Refused(_("Confirm that everyone in the photo agreed to it being shown."),
                          "photo_consent")
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in PHOTO_TYPES or not data.startswith(PHOTO_TYPES[extension][1]):
            raise Refused(_('%(name)s is not a JPG or PNG photo.', name=name), "photo")
        stored = secrets.token_hex(20)
        (folder / stored).write_bytes(data)
        milestone.photo_stored_name = stored
        milestone.photo_content_type = PHOTO_TYPES[extension][0]
        milestone.photo_sha256 = hashlib.sha256(data).hexdigest()
        milestone.photo_consent = True
    session.add(milestone)
    session.flush()
    audit.record(session, actor, "voting.delivery_milestone_added", "proposal", proposal.id, {
        "milestone_id": milestone.id, "title": milestone.title,
        "happened_on": happened_on.isoformat(), "photo_sha256": milestone.photo_sha256})
    return milestone


def post_update(session: Session, actor, proposal: Proposal, body: str) -> DeliveryUpdate:
    delivery = _winner_delivery(session, proposal)
    if not body.strip():
        raise Refused(_("Write the update before posting it."), "body")
    update = DeliveryUpdate(delivery_id=delivery.id, body=body.strip(), author_id=actor.id)
    session.add(update)
    session.flush()
    audit.record(session, actor, "voting.delivery_update_posted", "proposal", proposal.id,
                 {"update_id": update.id})
    return update
