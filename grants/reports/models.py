"""Report tables: one report per award, the money spent per budget line, people taking part
by activity type and age band, and photos shared with consent. Counts are whole numbers and
money is integer pence, so every impact total is an exact sum."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commonpot.db import enum_column, utcnow
from commonpot.extensions import db
from grants.models import Award, BudgetLine, Group
from grants.reports.states import ReportState
from grants.words import N_

# Shared lists, so every group's figures add up with every other group's. Stored as written
# here (English); pages translate them with _() when they show them.
ACTIVITY_TYPES = [N_("Dance"), N_("Music and singing"), N_("Sport and exercise"),
                  N_("Gardening and growing"), N_("Cooking and food"), N_("Repair and making"),
                  N_("Arts and crafts"), N_("Learning and skills"), N_("Lunch clubs and company"),
                  N_("Youth activities"), N_("Other")]
AGE_BANDS = [N_("Under 11"), N_("11 to 18"), N_("19 to 64"), N_("65 and over")]


class GrantReport(db.Model):
    __tablename__ = "grant_report"
    __table_args__ = (
        UniqueConstraint("award_id"),
        CheckConstraint("due_on >= activity_ends_on", name="due_after_activity"),
        CheckConstraint("volunteers >= 0 AND volunteer_hours >= 0 AND assets_value_pence >= 0",
                        name="counts_not_negative"),
        CheckConstraint("state NOT IN ('submitted', 'changes_requested', 'accepted') "
                        "OR submitted_at IS NOT NULL", name="submitted_has_time"),
        CheckConstraint("(state = 'accepted') = (accepted_at IS NOT NULL)",
                        name="accepted_has_time"),
        CheckConstraint("state <> 'changes_requested' OR length(changes_reason) > 0",
                        name="changes_have_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("community_group.id"), index=True)
    state: Mapped[ReportState] = mapped_column(enum_column(ReportState, 30),
                                               default=ReportState.SCHEDULED, index=True)
    activity_ends_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    asked_at: Mapped[datetime | None]
    last_reminded_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    overdue_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The latest reason a manager gave when asking for changes.
    changes_reason: Mapped[str] = mapped_column(Text, default="")

    # What the group tells us.
    what_happened: Mapped[str] = mapped_column(Text, default="")
    learned: Mapped[str] = mapped_column(Text, default="")
    volunteers: Mapped[int] = mapped_column(Integer, default=0)
    volunteer_hours: Mapped[int] = mapped_column(Integer, default=0)
    # Asset question key -> what that asset contributed, in the group's words.
    assets_contribution: Mapped[dict] = mapped_column(JSON, default=dict)
    # A fair estimate of what the group's own assets were worth (free rooms, skills...).
    assets_value_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    award: Mapped[Award] = relationship()
    group: Mapped[Group] = relationship()
    spending: Mapped[list[ReportSpending]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportSpending.id")
    participation: Mapped[list[ReportParticipation]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportParticipation.id")
    photos: Mapped[list[ReportPhoto]] = relationship(
        back_populates="report", order_by="ReportPhoto.id")

    @property
    def spent_pence(self) -> int:
        return sum(s.spent_pence for s in self.spending)

    @property
    def people(self) -> int:
        return sum(p.people for p in self.participation)


class ReportSpending(db.Model):
    """Money spent against one line of the application's budget."""

    __tablename__ = "report_spending"
    __table_args__ = (
        UniqueConstraint("report_id", "budget_line_id"),
        CheckConstraint("spent_pence >= 0", name="spent_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("grant_report.id"), index=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_line.id"))
    spent_pence: Mapped[int] = mapped_column(BigInteger)

    report: Mapped[GrantReport] = relationship(back_populates="spending")
    budget_line: Mapped[BudgetLine] = relationship()


class ReportParticipation(db.Model):
    """How many people took part in one kind of activity, in one age band."""

    __tablename__ = "report_participation"
    __table_args__ = (
        UniqueConstraint("report_id", "activity_type", "age_band"),
        CheckConstraint("people > 0", name="people_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("grant_report.id"), index=True)
    activity_type: Mapped[str] = mapped_column(String(60))
    age_band: Mapped[str] = mapped_column(String(30))
    people: Mapped[int] = mapped_column(Integer)

    report: Mapped[GrantReport] = relationship(back_populates="participation")


class ReportPhoto(db.Model):
    """A photo stored under a random name outside the web root, only with the consent of
    the people in it; shown publicly only once the report is accepted."""

    __tablename__ = "report_photo"
    __table_args__ = (
        CheckConstraint("consent_confirmed", name="consent_required"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("grant_report.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    caption: Mapped[str] = mapped_column(String(300), default="")
    consent_confirmed: Mapped[bool] = mapped_column(Boolean)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    report: Mapped[GrantReport] = relationship(back_populates="photos")
