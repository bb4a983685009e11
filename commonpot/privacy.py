"""UK GDPR rights: subject access export, erasure, and retention sweeps.

Everything here is driven by the personal-data declarations on model columns
(commonpot/personal_data.py), so a new personal column is exported and erased without code
here. A row is the person's when one of its identifying columns (an email address) holds
their address, or a column declared `owner()` points at their account.

Erasure pseudonymises in place rather than deleting: ballots, tallies, awards (a grant awarded
to a group stays the group's) and the audit trail keep every row they refer to, and the
audit trail is never touched, so `commonpot audit verify` still passes. The account stays as
"Erased account" with an unusable password and no sessions.

Retention rules are registered by each package (`@retention_rule`), each with its period in
configuration, and run by `commonpot privacy sweep` with an injectable clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Date, DateTime, String, Table, Text, func, or_, select, update
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.extensions import db
from commonpot.personal_data import identifies_person, is_personal

USER_TABLE = "user_account"
ERASED = "[erased]"
ERASED_NAME = "Erased account"
# Never shown in an export: they are ours, not the person's, and would help an attacker.
_SECRET_WORDS = ("password", "token", "hash", "secret")


def now_utc() -> datetime:
    """The clock: app.config["CLOCK"] when a test or a backfill sets one."""
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("CLOCK"):
        return current_app.config["CLOCK"]()
    return datetime.now(UTC)


def _owner_columns(table: Table):
    return [c for c in table.columns if c.info.get("owner")]


def _user_fk_columns(table: Table):
    return [c for c in table.columns
            if any(fk.column.table.name == USER_TABLE for fk in c.foreign_keys)]


def _identifying_columns(table: Table):
    return [c for c in table.columns if identifies_person(c)]


def _tables() -> list[Table]:
    return [t for t in db.metadata.sorted_tables if t.name != "audit_event"]


def _find_user(session: Session, email: str):
    from commonpot.accounts.models import User

    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


# --- subject access ---------------------------------------------------------------------------

def export_person(session: Session, email: str, actor=audit.SYSTEM) -> dict:
    """Everything held about the person with this email address, table by table."""
    email = email.strip().lower()
    user = _find_user(session, email)
    tables: dict[str, list[dict]] = {}
    for table in _tables():
        conditions = [func.lower(c) == email for c in _identifying_columns(table)]
        if user is not None:
            if table.name == USER_TABLE:
                conditions.append(table.c.id == user.id)
            conditions += [c == user.id for c in _user_fk_columns(table)]
        if not conditions:
            continue
        rows = session.execute(select(table).where(or_(*conditions))).mappings().all()
        if rows:
            tables[table.name] = [
                {key: _jsonable(value) for key, value in row.items()
                 if not any(word in key for word in _SECRET_WORDS)}
                for row in rows]
    audit.record(session, actor, "privacy.exported", "user", user.id if user else None)
    return {"email": email, "generated_at": now_utc().isoformat(), "tables": tables}


# --- erasure -----------------------------------------------------------------------------------

def _placeholder(column, row_id):
    kind = column.type
    if isinstance(kind, String | Text):
        if identifies_person(column) or column.unique:
            text = f"erased-{column.table.name}-{row_id}@erased.invalid"
            return text[: kind.length] if getattr(kind, "length", None) else text
        return ERASED if not getattr(kind, "length", None) or kind.length >= len(ERASED) else ""
    if column.nullable:
        return None
    if isinstance(kind, Date):
        return date(1900, 1, 1)
    if isinstance(kind, DateTime):
        return datetime(1900, 1, 1, tzinfo=UTC)
    return None


@dataclass
class ErasureReport:
    found: bool
    rows_changed: dict[str, int]


def erase_person(session: Session, email: str, actor=audit.SYSTEM) -> ErasureReport:
    """Pseudonymise the person's data in every table but the audit trail."""
    email = email.strip().lower()
    user = _find_user(session, email)
    changed: dict[str, int] = {}
    for table in _tables():
        personal = [c for c in table.columns if is_personal(c)]
        if not personal or table.name == USER_TABLE:
            continue
        conditions = [func.lower(c) == email for c in _identifying_columns(table)]
        if user is not None:
            conditions += [c == user.id for c in _owner_columns(table)]
        if not conditions:
            continue
        key = list(table.primary_key.columns)[0]
        ids = session.scalars(select(key).where(or_(*conditions))).all()
        for row_id in ids:
            session.execute(update(table).where(key == row_id).values(
                {c.name: _placeholder(c, row_id) for c in personal}))
        if ids:
            changed[table.name] = len(ids)
    if user is not None:
        user.email = f"erased-{user.id}@erased.invalid"
        user.display_name = ERASED_NAME
        user.password_hash = "!erased"  # noqa: S105 - not a hash: no password ever matches it
        user.email_verified_at = None
        user.is_admin = user.is_steward = False
        user.session_version += 1
        changed[USER_TABLE] = 1
        session.flush()
    audit.record(session, actor, "privacy.erased", "user", user.id if user else None,
                 {"tables": sorted(changed)})
    return ErasureReport(found=bool(changed), rows_changed=changed)


# --- retention ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RetentionRule:
    name: str
    description: str
    config_key: str
    apply: Callable[[Session, datetime, bool], int]  # (session, cutoff, dry_run) -> rows


_RULES: dict[str, RetentionRule] = {}


def retention_rule(name: str, description: str, config_key: str):
    """Register `fn(session, cutoff, dry_run) -> rows due` as a retention rule."""

    def register(fn):
        _RULES[name] = RetentionRule(name, description, config_key, fn)
        return fn

    return register


def retention_rules() -> list[RetentionRule]:
    return [_RULES[name] for name in sorted(_RULES)]


def sweep(session: Session, config, *, now: datetime | None = None, dry_run: bool = False,
          actor=audit.SYSTEM) -> dict[str, int]:
    """Apply every retention rule; returns rows due (dry run) or removed, per rule."""
    now = now or now_utc()
    results = {}
    for item in retention_rules():
        cutoff = now - timedelta(days=int(config[item.config_key]))
        results[item.name] = item.apply(session, cutoff, dry_run)
    if not dry_run:
        audit.record(session, actor, "privacy.swept", "retention", None,
                     {"as_of": now.isoformat(), "removed": results})
    return results
