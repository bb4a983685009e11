"""Screening: the fund team's eligibility decision on a submitted application, and telling the group.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.audit import record
from commonpot.db import utcnow
from commonpot.i18n import _
from commonpot.mail import send_email
from grants import eligibility
from grants.applications import ELIGIBLE_FORWARD, NOT_ELIGIBLE_BECAUSE, _timeline
from grants.errors import GrantsError
from grants.models import (
    Application,
    GroupMembership,
    ScreeningDecision,
)
from grants.states import (
    ApplicationStatus,
    RoundPhase,
    check_application_transition,
)
from grants.words import in_language, language_of


def screen_application(session: Session, user, application: Application, *, eligible: bool,
                       reason_code: str | None, reason_text: str) -> ScreeningDecision:
    round_ = application.round
    if round_.phase != RoundPhase.SCREENING:
        raise GrantsError(_("Eligibility is decided during the screening phase only."))
    if not eligible:
        if reason_code not in eligibility.SCREENING_REASONS:
            raise GrantsError(_("Choose the reason the application is not eligible."), "reason_code")
        if reason_code == "other" and not reason_text.strip():
            raise GrantsError(_("Explain the reason in a sentence or two."), "reason_text")
    target = ApplicationStatus.ELIGIBLE if eligible else ApplicationStatus.INELIGIBLE
    if application.status != target:
        check_application_transition(application.status, target)
    decision = application.screening
    if decision is None:
        decision = ScreeningDecision(application_id=application.id, eligible=eligible,
                                     decided_by_id=user.id)
        session.add(decision)
    decision.eligible = eligible
    decision.reason_code = None if eligible else reason_code
    decision.reason_text = reason_text.strip()
    decision.decided_by_id = user.id
    decision.decided_at = utcnow()
    changed = application.status != target
    application.status = target
    session.flush()
    # Stored in English; shown translated (grants.applications.timeline_text).
    message = ELIGIBLE_FORWARD if eligible else \
        NOT_ELIGIBLE_BECAUSE % {"reason": eligibility.SCREENING_REASONS[reason_code]}
    if changed:
        _timeline(session, application, target.value, message, user.id)
    record(session, user, "grants.application_screened", "application", application.id,
           {"eligible": eligible, "reason_code": decision.reason_code,
            "reason_text": decision.reason_text})
    if not eligible and changed:
        applicant_language = _applicant_language(session, application)
        for address in _group_addresses(session, application):
            # Each person reads it in their own language, not the fund manager's.
            with in_language(language_of(session, address, fallback=applicant_language)):
                send_email(
                    session, address,
                    _("Your application %(reference)s is not eligible",
                      reference=application.reference),
                    _("Hello,\n\nThank you for applying to %(round)s. We have checked %(group)s's "
                      "application %(reference)s against the round's published rules, and it is "
                      "not eligible.\n\nReason: %(reason)s.\n", round=round_.title,
                      group=application.group.name, reference=application.reference,
                      reason=_(eligibility.SCREENING_REASONS[reason_code]))
                    + (f"\n{decision.reason_text}\n" if decision.reason_text else "")
                    + "\n" + _("If you think this is a mistake, reply to the fund team.") + "\n")
    return decision


def _group_addresses(session: Session, application: Application) -> list[str]:
    from commonpot.accounts.models import User

    emails = set(session.scalars(
        select(User.email).join(GroupMembership, GroupMembership.user_id == User.id)
        .where(GroupMembership.group_id == application.group_id,
               GroupMembership.role == "group_admin")))
    if application.group.contact_email:
        emails.add(application.group.contact_email)
    creator = session.get(User, application.created_by_id)
    if creator:
        emails.add(creator.email)
    return sorted(emails)


def _applicant_language(session: Session, application: Application) -> str | None:
    """The language the application's creator chose: the group's contact address, which may
    have no account, gets the email in it."""
    from commonpot.accounts.models import User

    creator = session.get(User, application.created_by_id)
    return creator.preferred_language if creator is not None else None
