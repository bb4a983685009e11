"""The platform's retention rules: sign-in records and sent emails (see commonpot/privacy.py)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from commonpot.privacy import retention_rule


@retention_rule("sign_in_records", "Sign-in records (email and address of each attempt)",
                "RETENTION_SIGN_IN_DAYS")
def sign_in_records(session, cutoff, dry_run: bool) -> int:
    from commonpot.accounts.models import LoginAttempt

    due = LoginAttempt.attempted_at < cutoff
    count = session.scalar(select(func.count()).select_from(LoginAttempt).where(due))
    if count and not dry_run:
        session.execute(delete(LoginAttempt).where(due))
    return count


@retention_rule("emails", "Emails already sent or kept in the outbox (their links and names)",
                "RETENTION_OUTBOX_DAYS")
def sent_emails(session, cutoff, dry_run: bool) -> int:
    from commonpot.mail import OutboxMessage

    # Pending messages are never swept: nothing accepted is lost before it is delivered.
    due = (OutboxMessage.created_at < cutoff) & (OutboxMessage.status != "pending")
    count = session.scalar(select(func.count()).select_from(OutboxMessage).where(due))
    if count and not dry_run:
        session.execute(delete(OutboxMessage).where(due))
    return count
