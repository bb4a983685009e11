"""Account operations: take the session and plain values, enforce the rules, audit, flush.
They never commit; the request or CLI command does."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.accounts.models import FundRole, FundRoleKind, LoginAttempt, User
from commonpot.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    unknown_account_hash,
    verify_password,
)
from commonpot.db import utcnow
from commonpot.i18n import _
from commonpot.refusals import Refused


class AccountError(Refused, ValueError):
    """A request about an account that cannot be carried out; the message is for people."""


def remember_language(session: Session, user_id: int, code: str) -> None:
    """Keep a person's language choice on their account, so it follows them to other devices
    and their mail is written in it."""
    user = session.get(User, user_id)
    if user is not None and user.preferred_language != code:
        user.preferred_language = code
        session.flush()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def register(session: Session, *, email: str, display_name: str, password: str) -> User:
    email = normalise_email(email)
    if find_user_by_email(session, email):
        raise AccountError(_("An account with that email address already exists. "
                           "Sign in, or reset your password."), field="email")
    return _create_account(session, email=email, display_name=display_name, password=password)


def register_or_notify(session: Session, *, email: str, display_name: str,
                       password: str) -> tuple[User | None, User | None]:
    """Registration that does not reveal who has an account: (new user, None), or
    (None, existing owner) when the address is taken (the caller emails the owner instead)."""
    email = normalise_email(email)
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, field="password")
    existing = find_user_by_email(session, email)
    if existing:
        # The same hash work as a real registration, so timing does not tell either.
        hash_password(password)
        return None, existing
    return _create_account(session, email=email, display_name=display_name, password=password), None


def _create_account(session: Session, *, email: str, display_name: str, password: str) -> User:
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, field="password")
    user = User(email=email, display_name=display_name.strip(), password_hash=hash_password(password))
    session.add(user)
    session.flush()
    audit.record(session, user, "account.registered", "user", user.id)
    return user


def verify_email(session: Session, user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record(session, user, "account.email_verified", "user", user.id)


def authenticate(session: Session, *, email: str, password: str, remote_addr: str) -> User | None:
    user = find_user_by_email(session, email)
    if user is None:
        # The same argon2 work as for a real account, so timing does not reveal who has one.
        verify_password(unknown_account_hash(), password)
    ok = bool(user and verify_password(user.password_hash, password))
    session.add(LoginAttempt(email=normalise_email(email) or "(blank)",
                             remote_addr=remote_addr or "unknown", succeeded=ok))
    if ok:
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        audit.record(session, user, "account.signed_in", "user", user.id)
        return user
    # No email in the public trail: only the account id, when there is one.
    audit.record(session, audit.SYSTEM, "account.sign_in_failed", "user",
                 user.id if user else None, {"known_account": user is not None})
    return None


def set_password(session: Session, user: User, new_password: str, *, reason: str) -> None:
    problem = password_problem(new_password, user.email)
    if problem:
        raise AccountError(problem, field="password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_version += 1  # every session from before the change ends
    audit.record(session, user, "account.password_changed", "user", user.id, {"reason": reason})


def end_sessions(session: Session, actor, user: User, *, reason: str) -> None:
    """End every session of `user` (sign-out, or an admin's "sign out everywhere")."""
    user.session_version += 1
    audit.record(session, actor, "account.sessions_ended", "user", user.id, {"reason": reason})


def change_email(session: Session, user: User, new_email: str) -> None:
    new_email = normalise_email(new_email)
    other = find_user_by_email(session, new_email)
    if other and other.id != user.id:
        raise AccountError(_("Another account already uses that email address."), field="email")
    user.email = new_email
    user.email_verified_at = utcnow()  # confirmed by the link sent to the new address
    audit.record(session, user, "account.email_changed", "user", user.id)


def set_admin(session: Session, actor, user: User, is_admin: bool) -> None:
    if user.is_admin != is_admin:
        user.is_admin = is_admin
        audit.record(session, actor, "account.role_changed", "user", user.id,
                     {"role": "admin", "granted": is_admin})


def set_steward(session: Session, actor, user: User, is_steward: bool) -> None:
    if user.is_steward != is_steward:
        user.is_steward = is_steward
        audit.record(session, actor, "account.role_changed", "user", user.id,
                     {"role": "steward", "granted": is_steward})


def grant_fund_role(session: Session, actor, user: User, fund_id: int, role: str) -> FundRole:
    from commonpot.accounts.policy import forget_fund_roles

    forget_fund_roles()
    kind = FundRoleKind(role)
    existing = session.scalar(select(FundRole).where(
        FundRole.user_id == user.id, FundRole.fund_id == fund_id, FundRole.role == kind))
    if existing:
        return existing
    granted = FundRole(user_id=user.id, fund_id=fund_id, role=kind)
    session.add(granted)
    session.flush()
    audit.record(session, actor, "account.role_changed", "user", user.id,
                 {"role": kind.value, "fund_id": fund_id, "granted": True})
    return granted


def revoke_fund_role(session: Session, actor, user: User, fund_id: int, role: str) -> None:
    from commonpot.accounts.policy import forget_fund_roles

    forget_fund_roles()
    kind = FundRoleKind(role)
    existing = session.scalar(select(FundRole).where(
        FundRole.user_id == user.id, FundRole.fund_id == fund_id, FundRole.role == kind))
    if existing:
        session.delete(existing)
        audit.record(session, actor, "account.role_changed", "user", user.id,
                     {"role": kind.value, "fund_id": fund_id, "granted": False})


def create_admin(session: Session, *, email: str, display_name: str, password: str) -> User:
    user = find_user_by_email(session, email)
    if user is None:
        user = register(session, email=email, display_name=display_name, password=password)
    verify_email(session, user)
    set_admin(session, audit.SYSTEM, user, True)
    return user
