"""One mail service. Every message is written to the outbox table in the caller's
transaction; after the transaction commits, `deliver_pending()` sends it by SMTP when a
mail server is configured. Without one the outbox is the delivery: admins read it at
/admin/outbox and tests assert on it."""

from __future__ import annotations

import enum
import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from commonpot.db import enum_column, utcnow
from commonpot.extensions import db
from commonpot.personal_data import personal

SUBJECT_LENGTH = 200


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for SMTP
    SENT = "sent"  # handed to SMTP
    OUTBOX = "outbox"  # no SMTP configured: kept here for an operator to read


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True, info=personal(identifies=True))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    body: Mapped[str] = mapped_column(Text, info=personal())
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, 12),
                                                 default=OutboxStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


def fit_subject(subject: str) -> str:
    """A subject composed from typed text (a 200-character group name) must still fit its
    column: shorten it with an ellipsis rather than fail to send."""
    subject = " ".join(subject.split())  # no line breaks: they would forge mail headers
    if len(subject) <= SUBJECT_LENGTH:
        return subject
    return subject[: SUBJECT_LENGTH - 1].rstrip() + "…"


def send_email(session: Session, to: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(to_address=to, subject=fit_subject(subject), body=body,
                            status=OutboxStatus.PENDING)
    session.add(message)
    session.flush()
    return message


def deliver_pending(session: Session) -> int:
    """Send what is waiting. Called after commit, so a rolled-back decision sends nothing."""
    pending = session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)).all()
    if not pending:
        return 0
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        for message in pending:
            message.status = OutboxStatus.OUTBOX
        session.commit()
        return 0
    sent = 0
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        for message in pending:
            email = EmailMessage()
            email["From"] = config["MAIL_FROM"]
            email["To"] = message.to_address
            email["Subject"] = message.subject
            email.set_content(message.body)
            try:
                smtp.send_message(email)
            except smtplib.SMTPException as exc:
                message.last_error = str(exc)
                continue
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            sent += 1
    session.commit()
    return sent
