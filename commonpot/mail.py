"""One mail service: the outbox, delivered by a job.

Every message is written to the outbox table in the caller's transaction, and a delivery
job is queued for after the commit, so a rolled-back decision sends nothing. The job (and
the scheduler's sweep every minute, which catches anything the queue missed) claims due
rows, sends them by SMTP and records the outcome:

    pending --claim--> sending --ok--> sent
                          |--fail--> pending (attempts + 1, next_attempt_at backed off)
                          '--fail, attempts used up--> dead   (a manager retries it by hand)
    pending --no SMTP configured--> outbox   (admins read it at /admin/outbox)

A claim is a lease (`claimed_until`): two workers never take the same row (on PostgreSQL
the claim query skips rows another worker has locked), and a worker that dies mid-send
leaves rows that become claimable again when the lease runs out. Mail is therefore sent at
least once; an email sent twice after a crash is the accepted cost of never losing one.
"""

from __future__ import annotations

import enum
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import Index, String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from commonpot.db import enum_column, utcnow
from commonpot.extensions import db
from commonpot.i18n import _
from commonpot.personal_data import personal

SUBJECT_LENGTH = 200


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for SMTP (or for its next attempt)
    SENDING = "sending"  # claimed by a worker until claimed_until
    SENT = "sent"  # handed to SMTP
    OUTBOX = "outbox"  # no SMTP configured: kept here for an operator to read
    DEAD = "dead"  # gave up after MAX_ATTEMPTS; an admin may send it again


log = logging.getLogger("commonpot.mail")

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
LEASE = timedelta(minutes=10)
BATCH = 50
DELIVERY_JOB = "commonpot.mail:deliver_job"
# What each status means to the admin reading the outbox.
OUTBOX_STATUSES = {
    "pending": "Waiting to be sent",
    "sending": "Being sent",
    "sent": "Sent",
    "outbox": "Kept here (no mail server)",
    "dead": "Could not be sent",
}


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True, info=personal(identifies=True))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    body: Mapped[str] = mapped_column(Text, info=personal())
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, 12),
                                                 default=OutboxStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]


def fit_subject(subject: str) -> str:
    """A subject composed from typed text (a 200-character group name) must still fit its
    column: shorten it with an ellipsis rather than fail to send."""
    subject = " ".join(subject.split())  # no line breaks: they would forge mail headers
    if len(subject) <= SUBJECT_LENGTH:
        return subject
    return subject[: SUBJECT_LENGTH - 1].rstrip() + "…"


def send_email(session: Session, to: str, subject: str, body: str) -> OutboxMessage:
    from commonpot.jobs import enqueue_after_commit

    message = OutboxMessage(to_address=to, subject=fit_subject(subject), body=body,
                            status=OutboxStatus.PENDING)
    session.add(message)
    session.flush()
    enqueue_after_commit(DELIVERY_JOB, timeout=300)
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failure, never more than six hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def claim_due(session: Session, now: datetime | None = None, limit: int = BATCH) -> list[OutboxMessage]:
    """Take up to `limit` due messages for this worker and commit the claim."""
    now = now or utcnow()
    due = session.scalars(
        select(OutboxMessage)
        .where(or_(
            (OutboxMessage.status == OutboxStatus.PENDING)
            & (or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)),
            (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_until < now),
        ))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for message in due:
        message.status = OutboxStatus.SENDING
        message.claimed_until = now + LEASE
    session.commit()
    return due


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    kept: int = 0  # no mail server: left in the outbox for admins


def deliver_due(session: Session, now: datetime | None = None) -> DeliveryReport:
    """Deliver every message that is due, batch by batch. Commits as it goes."""
    report = DeliveryReport()
    config = current_app.config
    while True:
        claimed = claim_due(session, now)
        if not claimed:
            return report
        if not config.get("MAIL_SERVER"):
            for message in claimed:
                message.status = OutboxStatus.OUTBOX
                message.claimed_until = None
            report.kept += len(claimed)
            session.commit()
            continue
        _send_batch(session, config, claimed, report, now)


def _send_batch(session: Session, config, claimed: list[OutboxMessage], report: DeliveryReport,
                now: datetime | None) -> None:
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                            timeout=config.get("MAIL_TIMEOUT", 10))
    except (OSError, smtplib.SMTPException) as exc:
        for message in claimed:
            _failed(message, exc, report, now)
        session.commit()
        log.warning("Mail server unreachable: %s", exc)
        return
    with smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        for message in claimed:
            try:
                smtp.send_message(_email(config, message))
            except (OSError, smtplib.SMTPException) as exc:
                _failed(message, exc, report, now)
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = utcnow()
                message.claimed_until = None
                message.attempts += 1
                report.sent += 1
            # One commit per message: a crash later in the batch never re-sends this one.
            session.commit()


def _email(config, message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


def _failed(message: OutboxMessage, exc: Exception, report: DeliveryReport, now: datetime | None) -> None:
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    message.claimed_until = None
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.DEAD
        report.dead += 1
    else:
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = (now or utcnow()) + backoff(message.attempts)
        report.failed += 1


def retry_message(session: Session, actor, message: OutboxMessage) -> OutboxMessage:
    """A manager sends a dead (or kept) message again: fresh attempts, due now."""
    from commonpot.audit import record
    from commonpot.refusals import Refused

    if message.status not in (OutboxStatus.DEAD, OutboxStatus.OUTBOX):
        raise Refused(_("Only messages that could not be sent can be retried."))
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = None
    session.flush()
    record(session, actor, "mail.retried", "outbox_message", message.id, {"to": message.to_address})
    from commonpot.jobs import enqueue_after_commit

    enqueue_after_commit(DELIVERY_JOB, timeout=300)
    return message


def deliver_job(session: Session) -> dict:
    """The queued job and the scheduler's sweep."""
    report = deliver_due(session)
    return report.__dict__
