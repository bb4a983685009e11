"""People and their roles. Per-fund roles point at grants' funds; group roles live in grants."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commonpot.db import enum_column, utcnow
from commonpot.extensions import db
from commonpot.personal_data import personal


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, info=personal(identifies=True))
    display_name: Mapped[str] = mapped_column(String(120), info=personal())
    password_hash: Mapped[str] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None]
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_steward: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped when the password changes so older reset links and sessions stop working.
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every session's identity (see get_id): bumping it ends every session at once.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The language last chosen with the switcher ('cy', ...); None: the browser decides.
    preferred_language: Mapped[str | None] = mapped_column(String(8))

    fund_roles: Mapped[list[FundRole]] = relationship(back_populates="user")

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version, so a
        session issued before sign-out or a password change no longer loads."""
        return f"{self.id}.{self.session_version}"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class FundRoleKind(enum.StrEnum):
    FUND_MANAGER = "fund_manager"
    PANEL_MEMBER = "panel_member"


class FundRole(db.Model):
    """A person's role on one fund: managing it, or sitting on its panels."""

    __tablename__ = "fund_role"
    __table_args__ = (UniqueConstraint("user_id", "fund_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    role: Mapped[FundRoleKind] = mapped_column(enum_column(FundRoleKind))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="fund_roles")


class LoginAttempt(db.Model):
    """Sign-ins, kept for RETENTION_SIGN_IN_DAYS so an admin can see attacks; the throttle
    (commonpot/accounts/throttle.py) does the blocking."""

    __tablename__ = "login_attempt"
    __table_args__ = (CheckConstraint("length(email) > 0", name="email_present"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True, info=personal(identifies=True))
    remote_addr: Mapped[str] = mapped_column(String(64), info=personal())
    succeeded: Mapped[bool] = mapped_column(Boolean)
    # Indexed for the retention sweep (RETENTION_SIGN_IN_DAYS).
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
