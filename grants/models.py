"""Grants data: funders, funds and their areas, rounds with criteria and questions, groups,
applications (answers, budgets, attachments, timeline), screening and awards.

Answers live in one JSON column keyed by question key, holding exactly what was typed, so a
draft saved with invalid answers never loses a character."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commonpot import postcodes
from commonpot.db import enum_column, utcnow
from commonpot.extensions import db
from commonpot.i18n import lazy_gettext
from commonpot.personal_data import not_personal, personal
from grants.states import ApplicationStatus, AwardStatus, GroupRole, RoundPhase


class OrgType(enum.StrEnum):
    UNINCORPORATED = "unincorporated"
    CHARITY = "charity"
    CIO = "cio"
    CIC = "cic"
    CLG = "clg"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ORG_TYPE_LABELS[self]


ORG_TYPE_LABELS = {
    OrgType.UNINCORPORATED: lazy_gettext("Unincorporated community group"),
    OrgType.CHARITY: lazy_gettext("Registered charity"),
    OrgType.CIO: lazy_gettext("Charitable incorporated organisation (CIO)"),
    OrgType.CIC: lazy_gettext("Community interest company (CIC)"),
    OrgType.CLG: lazy_gettext("Company limited by guarantee"),
    OrgType.OTHER: lazy_gettext("Other"),
}


class QuestionType(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    FILE = "file"

    @property
    def label(self) -> str:
        return QUESTION_TYPE_LABELS[self]


QUESTION_TYPE_LABELS = {
    QuestionType.SHORT_TEXT: lazy_gettext("Short text"),
    QuestionType.LONG_TEXT: lazy_gettext("Long text (with a word limit)"),
    QuestionType.NUMBER: lazy_gettext("Number"),
    QuestionType.MONEY: lazy_gettext("Amount of money"),
    QuestionType.DATE: lazy_gettext("Date"),
    QuestionType.SINGLE_CHOICE: lazy_gettext("Choose one"),
    QuestionType.MULTIPLE_CHOICE: lazy_gettext("Choose any"),
    QuestionType.YES_NO: lazy_gettext("Yes or no"),
    QuestionType.FILE: lazy_gettext("File upload"),
}


class Funder(db.Model):
    """An organisation that gives money, identified by its 360Giving org-id prefix."""

    __tablename__ = "funder"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # e.g. "360G-commonpot": grant identifiers are published under this prefix.
    identifier_prefix: Mapped[str] = mapped_column(String(60), unique=True)
    org_id: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    funds: Mapped[list[Fund]] = relationship(back_populates="funder")


class Fund(db.Model):
    __tablename__ = "fund"
    __table_args__ = (CheckConstraint("budget_pence >= 0", name="budget_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("funder.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    budget_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    # Server defaults let the migration add these columns to a fund table that holds rows.
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Plain list of theme names, e.g. ["Environment", "Older people"].
    themes: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    funder: Mapped[Funder] = relationship(back_populates="funds")
    areas: Mapped[list[FundArea]] = relationship(back_populates="fund", order_by="FundArea.name")
    rounds: Mapped[list[Round]] = relationship(back_populates="fund")


class FundArea(db.Model):
    """A ward or district a fund covers, defined by whole postcodes or postcode prefixes."""

    __tablename__ = "fund_area"
    __table_args__ = (
        UniqueConstraint("fund_id", "name"),
        CheckConstraint("kind IN ('ward', 'district')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10), default="ward")
    # ONS code (E05... wards, E07... districts) when known.
    code: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    fund: Mapped[Fund] = relationship(back_populates="areas")
    postcodes: Mapped[list[AreaPostcode]] = relationship(back_populates="area",
                                                         cascade="all, delete-orphan")


class AreaPostcode(db.Model):
    """One postcode (is_prefix false), stored upper-case without spaces, or a prefix (is_prefix
    true) stored upper-case as written: 'RT1' (an outward code) or 'RT1 4' (a sector), so the
    space says where the outward code ends. Prefixes imported before the space was kept are
    compact ('RT14') and match as they always did (commonpot.postcodes.matches)."""

    __tablename__ = "area_postcode"
    __table_args__ = (UniqueConstraint("area_id", "value", "is_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("fund_area.id"), index=True)
    value: Mapped[str] = mapped_column(String(10), index=True)
    is_prefix: Mapped[bool] = mapped_column(Boolean, default=False)

    area: Mapped[FundArea] = relationship(back_populates="postcodes")

    @property
    def shown(self) -> str:
        """As people write it: 'RT1 4*' for a prefix, 'RT3 2CD' for a whole postcode."""
        return f"{self.value}*" if self.is_prefix else postcodes.display(self.value)


class Round(db.Model):
    __tablename__ = "grant_round"
    __table_args__ = (
        CheckConstraint("min_grant_pence >= 0 AND max_grant_pence >= min_grant_pence",
                        name="grant_limits_ordered"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("max_applications_per_group >= 1", name="per_group_limit_positive"),
        CheckConstraint("budget_pence >= 0", name="budget_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    min_grant_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    max_grant_pence: Mapped[int] = mapped_column(BigInteger)
    # The total this round may award.
    budget_pence: Mapped[int] = mapped_column(BigInteger)
    phase: Mapped[RoundPhase] = mapped_column(enum_column(RoundPhase), default=RoundPhase.DRAFT,
                                              index=True)
    phase_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Eligibility: the fund's area applies when restrict_to_area is set.
    restrict_to_area: Mapped[bool] = mapped_column(Boolean, default=True)
    # OrgType values allowed; an empty list allows every type.
    allowed_org_types: Mapped[list] = mapped_column(JSON, default=list)
    max_applications_per_group: Mapped[int] = mapped_column(Integer, default=1)
    # Whether a public vote follows panel scoring.
    uses_voting: Mapped[bool] = mapped_column(Boolean, default=False)
    eligibility_notes: Mapped[str] = mapped_column(Text, default="")
    # What the public pages show once decisions are released (grants.public_awards): the
    # panel's criteria scores for each award, and the names of groups not funded.
    publish_scores: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    publish_declined_names: Mapped[bool] = mapped_column(Boolean, default=False,
                                                         server_default=false())
    # When a fund manager said the draft is ready to open (grants.rounds.schedule_round):
    # the clock opens a draft only once this is set, so a round is never opened halfway
    # through being set up.
    scheduled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    fund: Mapped[Fund] = relationship(back_populates="rounds")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="round", order_by="Criterion.position", cascade="all, delete-orphan")
    questions: Mapped[list[Question]] = relationship(
        back_populates="round", order_by="(Question.step, Question.position)",
        cascade="all, delete-orphan")
    applications: Mapped[list[Application]] = relationship(back_populates="round")

    @property
    def phase_now(self) -> RoundPhase:
        """The phase as pages should show it: the clock (`commonpot rounds tick`, run by the
        scheduler) records the close up to a minute late, so read the closing time too.
        A draft stays a draft until the clock has checked it can open."""
        if self.phase == RoundPhase.OPEN and utcnow() >= self.closes_at:
            return RoundPhase.CLOSED
        return self.phase


class Criterion(db.Model):
    """A published assessment criterion; scores are weighted by `weight`."""

    __tablename__ = "criterion"
    __table_args__ = (
        UniqueConstraint("round_id", "name"),
        CheckConstraint("weight >= 0", name="weight_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("grant_round.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)

    round: Mapped[Round] = relationship(back_populates="criteria")


class Question(db.Model):
    """One question of a round's form. `key` names the answer in Application.answers."""

    __tablename__ = "question"
    __table_args__ = (
        UniqueConstraint("round_id", "key"),
        CheckConstraint("word_limit IS NULL OR word_limit > 0", name="word_limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("grant_round.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    type: Mapped[QuestionType] = mapped_column(enum_column(QuestionType))
    label: Mapped[str] = mapped_column(String(300))
    hint: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    # Choices for single and multiple choice questions.
    options: Mapped[list] = mapped_column(JSON, default=list)
    word_limit: Mapped[int | None] = mapped_column(Integer)
    # The form is shown over short steps; questions on the same step share a page.
    step: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The asset questions (people and skills, places, partners) every round offers.
    is_asset: Mapped[bool] = mapped_column(Boolean, default=False)

    round: Mapped[Round] = relationship(back_populates="questions")


class Group(db.Model):
    """A community group: often unincorporated, run by volunteers."""

    __tablename__ = "community_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # Server defaults let the migration add these columns to a table that holds rows.
    org_type: Mapped[OrgType] = mapped_column(enum_column(OrgType), default=OrgType.UNINCORPORATED,
                                              server_default=OrgType.UNINCORPORATED.value)
    charity_number: Mapped[str | None] = mapped_column(String(20))
    company_number: Mapped[str | None] = mapped_column(String(20))
    # 360Giving org-id: GB-CHC-..., GB-COH-..., or one under the funder's prefix.
    org_id: Mapped[str | None] = mapped_column(String(80), unique=True, index=True)
    postcode: Mapped[str | None] = mapped_column(
        String(10), info=not_personal("the group's own address, not a person's"))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    contact_name: Mapped[str | None] = mapped_column(String(120), info=personal())
    contact_email: Mapped[str | None] = mapped_column(String(254), info=personal(identifies=True))
    contact_phone: Mapped[str | None] = mapped_column(String(40), info=personal())
    # Set when the group's bank details are verified; payments refuses to pay otherwise.
    payment_ready: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="group")
    applications: Mapped[list[Application]] = relationship(back_populates="group")


class GroupMembership(db.Model):
    __tablename__ = "group_membership"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("community_group.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[GroupRole] = mapped_column(enum_column(GroupRole), default=GroupRole.MEMBER)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Group] = relationship(back_populates="memberships")
    user = relationship("User")


class GroupInvitation(db.Model):
    """An emailed invitation to join a group. Only the token's hash is stored."""

    __tablename__ = "group_invitation"
    __table_args__ = (CheckConstraint("role IN ('group_admin', 'member')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("community_group.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), info=personal(identifies=True))
    role: Mapped[str] = mapped_column(String(20), default="member")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None]

    group: Mapped[Group] = relationship()


class Application(db.Model):
    __tablename__ = "application"
    __table_args__ = (
        CheckConstraint("requested_amount_pence IS NULL OR requested_amount_pence >= 0",
                        name="request_not_negative"),
        CheckConstraint("status IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL",
                        name="submitted_has_time"),
        CheckConstraint("status IN ('draft', 'withdrawn') OR reference IS NOT NULL",
                        name="submitted_has_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. CP-2026-000123, given on submission.
    reference: Mapped[str | None] = mapped_column(String(30), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("grant_round.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("community_group.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.DRAFT, index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    requested_amount_pence: Mapped[int | None] = mapped_column(BigInteger)
    # Exactly what was typed, keyed by Question.key (strings, or lists for multiple choice).
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # The postcode where the project happens; eligibility and statistics use it.
    project_postcode: Mapped[str | None] = mapped_column(
        String(10), info=not_personal("where the project happens, not where a person lives"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("fund_area.id"))
    theme: Mapped[str | None] = mapped_column(String(80))
    declarations_accepted_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    round: Mapped[Round] = relationship(back_populates="applications")
    group: Mapped[Group] = relationship(back_populates="applications")
    area: Mapped[FundArea | None] = relationship()
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="application", order_by="BudgetLine.position",
        cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", order_by="Attachment.created_at")
    events: Mapped[list[ApplicationStatusEvent]] = relationship(
        back_populates="application", order_by="ApplicationStatusEvent.id")
    screening: Mapped[ScreeningDecision | None] = relationship(back_populates="application")
    award: Mapped[Award | None] = relationship(back_populates="application")


class BudgetLine(db.Model):
    __tablename__ = "budget_line"
    __table_args__ = (CheckConstraint("amount_pence >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)

    application: Mapped[Application] = relationship(back_populates="budget_lines")


class Attachment(db.Model):
    """A file stored under a generated name outside the web root; the original name is
    only ever shown, never used as a path."""

    __tablename__ = "attachment"
    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    question_key: Mapped[str | None] = mapped_column(String(60))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removed from a draft: hidden, but the row stays for the audit trail.
    removed_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(back_populates="attachments")


class ApplicationStatusEvent(db.Model):
    """The timeline group members see: one row per status change (and notable steps)."""

    __tablename__ = "application_status_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    # The application's status after the step (a notable step repeats the current one).
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus, name="application_event_status"))
    message: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")


class ScreeningDecision(db.Model):
    """A fund manager's eligibility decision: one per application (updated if corrected)."""

    __tablename__ = "screening_decision"
    __table_args__ = (UniqueConstraint("application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    eligible: Mapped[bool] = mapped_column(Boolean)
    # One of grants.eligibility.SCREENING_REASONS when ineligible.
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="screening")


class Award(db.Model):
    """The money a round gives an application. Decisions create it; payments pay it."""

    __tablename__ = "award"
    __table_args__ = (
        UniqueConstraint("application_id"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("grant_round.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[AwardStatus] = mapped_column(enum_column(AwardStatus, 30),
                                                default=AwardStatus.OFFERED)
    # Why less than requested was awarded, when it was.
    partial_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the decision was published to the group.
    released_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(back_populates="award")
    round: Mapped[Round] = relationship()
    fund: Mapped[Fund] = relationship()
