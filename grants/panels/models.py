"""Panels: who sits on a round's panel, who reviews what, conflicts, scores and decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commonpot.db import enum_column, utcnow
from commonpot.extensions import db
from commonpot.personal_data import not_personal
from grants.panels.states import ConflictReason, Outcome, PanelRole, Recommendation, ReviewStatus


class Panel(db.Model):
    """A round's panel and how it scores. One per round."""

    __tablename__ = "panel"
    __table_args__ = (
        UniqueConstraint("round_id"),
        CheckConstraint("scale_max > scale_min AND scale_min >= 0", name="scale_ordered"),
        CheckConstraint("reviewers_per_application IS NULL OR reviewers_per_application >= 1",
                        name="reviewers_positive"),
        CheckConstraint("disagreement_threshold_hundredths >= 0", name="threshold_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("grant_round.id"))
    scale_min: Mapped[int] = mapped_column(Integer, default=0)
    scale_max: Mapped[int] = mapped_column(Integer, default=5)
    # None: every member reviews every eligible application.
    reviewers_per_application: Mapped[int | None] = mapped_column(Integer)
    blind_review: Mapped[bool] = mapped_column(Boolean, default=False)
    # Question keys whose answers identify the group; hidden under blind review.
    identifying_question_keys: Mapped[list] = mapped_column(JSON, default=list)
    calibrate_scores: Mapped[bool] = mapped_column(Boolean, default=False)
    # Spread of reviewers' weighted totals at which an application is flagged, in
    # hundredths of a scale point (200 = two points), kept integral for exact comparison.
    disagreement_threshold_hundredths: Mapped[int] = mapped_column(Integer, default=200)
    # The public page shows members' names, or only their roles.
    show_member_names: Mapped[bool] = mapped_column(Boolean, default=False)
    # Decision emails include the reviewers' notes to the applicant.
    share_panel_comments: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round = relationship("Round")
    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", order_by="(PanelMember.role, PanelMember.id)")


class PanelMember(db.Model):
    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("panel_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[PanelRole] = mapped_column(enum_column(PanelRole), default=PanelRole.MEMBER)
    is_resident: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Stood down: keeps their past scores but takes no new work.
    removed_at: Mapped[datetime | None]

    panel: Mapped[Panel] = relationship(back_populates="members")
    user = relationship("User")


class ReviewAssignment(db.Model):
    """This reviewer reviews this application. Reassignment ends a row, never deletes it."""

    __tablename__ = "review_assignment"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    application = relationship("Application")
    reviewer = relationship("User", foreign_keys=[reviewer_id])


class ConflictDeclaration(db.Model):
    """A reviewer's statement about one application, made before they see its detail."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (
        UniqueConstraint("application_id", "reviewer_id"),
        CheckConstraint("(has_conflict AND reason IS NOT NULL) OR (NOT has_conflict AND reason IS NULL)",
                        name="reason_when_conflicted"),
        CheckConstraint("withdrawn_at IS NULL OR (NOT has_conflict AND withdrawn_reason IS NOT NULL)",
                        name="withdrawal_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    has_conflict: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[ConflictReason | None] = mapped_column(enum_column(ConflictReason))
    details: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A conflict the reviewer took back (before anyone's scores were in), and why; the
    # declaration itself stays in the audit log.
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(
        Text, info=not_personal("the reviewer's reason about their declaration on an application"))

    application = relationship("Application")
    reviewer = relationship("User")


class Review(db.Model):
    """One reviewer's score sheet for one application: recommendation, note, status."""

    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("application_id", "reviewer_id"),
        CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[ReviewStatus] = mapped_column(enum_column(ReviewStatus), default=ReviewStatus.DRAFT)
    recommendation: Mapped[Recommendation | None] = mapped_column(enum_column(Recommendation))
    note_to_applicant: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    application = relationship("Application")
    reviewer = relationship("User")
    scores: Mapped[list[Score]] = relationship(back_populates="review", order_by="Score.criterion_id")


class Score(db.Model):
    """One criterion's score on a score sheet: once per reviewer, application and criterion."""

    __tablename__ = "score"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id"),
        CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"), index=True)
    value: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion = relationship("Criterion")


class PanelDecision(db.Model):
    """The chair's decision on one application; applicants see it only once released."""

    __tablename__ = "panel_decision"
    __table_args__ = (
        UniqueConstraint("application_id"),
        CheckConstraint("(outcome = 'award' AND amount_pence > 0) OR "
                        "(outcome <> 'award' AND amount_pence IS NULL)", name="amount_only_for_award"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("grant_round.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    amount_pence: Mapped[int | None] = mapped_column(BigInteger)
    # Why a partial award is partial; required for one.
    reason: Mapped[str] = mapped_column(Text, default="")
    # What the applicant is told (a decline must say why).
    feedback: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]

    application = relationship("Application")


class ShortlistEntry(db.Model):
    """An application the panel sends to a resident vote."""

    __tablename__ = "panel_shortlist_entry"
    __table_args__ = (UniqueConstraint("application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("grant_round.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    application = relationship("Application")
