"""Report operations: schedule, ask, remind, mark overdue, save, submit, ask for changes and
accept. Each takes the session and plain values, checks the state machine, writes the audit
event and flushes; the request or the CLI command commits. Refusals raise `Refused`."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.accounts.models import FundRole, User
from commonpot.i18n import _, format_date, format_number
from commonpot.mail import send_email
from commonpot.money import parse_pounds
from commonpot.refusals import Refused
from grants.models import Award, GroupMembership
from grants.reports.models import (
    ACTIVITY_TYPES,
    AGE_BANDS,
    GrantReport,
    ReportParticipation,
    ReportPhoto,
    ReportSpending,
)
from grants.reports.states import EDITABLE, ReportState, check_report_transition
from grants.signals import report_accepted
from grants.timefmt import LONDON
from grants.words import in_language, language_of

# The group has this long after its activity ends to send the report.
WEEKS_TO_REPORT = 8
# A reminder goes this many days before the due date, and again this often once overdue.
REMIND_DAYS_BEFORE = 14
OVERDUE_REMINDER_EVERY = timedelta(days=14)
MAX_TEXT = 5000
MAX_COUNT = 1_000_000


def _today(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _move(session: Session, actor, report: GrantReport, target: ReportState, details=None) -> None:
    before = report.state
    check_report_transition(before, target)
    report.state = target
    session.flush()
    audit.record(session, actor, "grants.report_" + target.value, "report", report.id,
                 {"award_id": report.award_id, "from": before.value, "to": target.value,
                  **(details or {})})


def _report_link(report: GrantReport) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    try:
        path = url_for("reports.edit_report", report_id=report.id, _external=False)
    except RuntimeError:
        path = f"/grants/reports/{report.id}"
    return base + path


def group_recipients(session: Session, report: GrantReport) -> list[str]:
    emails = list(session.scalars(
        select(User.email).join(GroupMembership, GroupMembership.user_id == User.id)
        .where(GroupMembership.group_id == report.group_id, GroupMembership.role == "group_admin")
        .order_by(User.email)))
    contact = report.group.contact_email
    if contact and contact not in emails:
        emails.append(contact)
    return emails


def manager_recipients(session: Session, fund_id: int) -> list[str]:
    return list(session.scalars(
        select(User.email).join(FundRole, FundRole.user_id == User.id)
        .where(FundRole.fund_id == fund_id, FundRole.role == "fund_manager").order_by(User.email)))


def _email_group(session: Session, report: GrantReport, compose) -> None:
    """`compose()` returns (subject, body); it is called once per recipient, in their language
    (the clock sends these outside any request)."""
    for address in group_recipients(session, report):
        with in_language(language_of(session, address)):
            subject, body = compose()
            send_email(session, address, subject, body)


def _project(report: GrantReport) -> str:
    return report.award.application.title or _("your project")


def _due_text(report: GrantReport) -> str:
    return format_date(report.due_on)


# --- scheduling and the clock --------------------------------------------------------------

def schedule_report(session: Session, actor, award: Award, activity_ends_on: date, *,
                    now: datetime, weeks_to_report: int = WEEKS_TO_REPORT) -> GrantReport:
    """Ask for a report on this award once its activity ends (at once if it has)."""
    if award.released_at is None or award.status == "declined_by_group":
        raise Refused(_("Reports are asked for only on awards the group has been told about."))
    if session.scalar(select(GrantReport.id).where(GrantReport.award_id == award.id)):
        raise Refused(_("This grant already has an end-of-grant report."), "activity_ends_on")
    report = GrantReport(award_id=award.id, group_id=award.application.group_id,
                         state=ReportState.SCHEDULED, activity_ends_on=activity_ends_on,
                         due_on=activity_ends_on + timedelta(weeks=weeks_to_report),
                         assets_contribution={})
    session.add(report)
    session.flush()
    audit.record(session, actor, "grants.report_scheduled", "report", report.id, {
        "award_id": award.id, "activity_ends_on": activity_ends_on.isoformat(),
        "due_on": report.due_on.isoformat()})
    advance_report(session, report, now)
    return report


def advance_report(session: Session, report: GrantReport, now: datetime) -> list[str]:
    """Move one report on as the calendar says; return what happened (for the CLI).

    Safe to run any number of times at the same moment: each step happens once."""
    today = _today(now)
    happened: list[str] = []
    if report.state == ReportState.SCHEDULED and today >= report.activity_ends_on:
        _move(session, audit.SYSTEM, report, ReportState.DUE)
        report.asked_at = now
        _email_group(session, report, lambda: (
            _("Tell us how %(project)s went", project=_project(report)),
            _("Your activity for %(project)s has ended. Please send your short end-of-grant "
              "report by %(date)s: what happened, what you spent, who took part and what you "
              "learned.", project=_project(report), date=_due_text(report))
            + f"\n\n{_report_link(report)}\n"))
        happened.append("asked")
    if report.state == ReportState.DUE and \
            today >= report.due_on - timedelta(days=REMIND_DAYS_BEFORE) and today <= report.due_on:
        _move(session, audit.SYSTEM, report, ReportState.REMINDED)
        _remind(session, report, now, lambda: _(
            "Reminder: your report on %(project)s is due by %(date)s", project=_project(report),
            date=_due_text(report)))
        happened.append("reminded")
    if report.state in (ReportState.DUE, ReportState.REMINDED) and today > report.due_on:
        _move(session, audit.SYSTEM, report, ReportState.OVERDUE)
        report.overdue_at = now
        _remind(session, report, now, lambda: _("Your report on %(project)s is overdue",
                                                project=_project(report)))
        happened.append("overdue")
    elif report.state == ReportState.OVERDUE and report.last_reminded_at is not None and \
            now - report.last_reminded_at >= OVERDUE_REMINDER_EVERY:
        _remind(session, report, now, lambda: _("Your report on %(project)s is still overdue",
                                                project=_project(report)))
        audit.record(session, audit.SYSTEM, "grants.report_reminded_again", "report", report.id,
                     {"reminders_sent": report.reminders_sent})
        happened.append("reminded again")
    session.flush()
    return happened


def _remind(session: Session, report: GrantReport, now: datetime, subject) -> None:
    """`subject()` gives the subject in the current language."""
    report.last_reminded_at = now
    report.reminders_sent += 1
    _email_group(session, report, lambda: (
        subject(),
        _("%(subject)s. It was due on %(date)s: it only takes a few minutes, and the fund needs "
          "it to pay the last part of your grant.", subject=subject(), date=_due_text(report))
        + f"\n\n{_report_link(report)}\n"))


def remind_reports(session: Session, now: datetime) -> list[tuple[int, str]]:
    """Everything the calendar asks for now: ask, remind, mark overdue. For cron."""
    open_states = (ReportState.SCHEDULED, ReportState.DUE, ReportState.REMINDED,
                   ReportState.OVERDUE)
    reports = session.scalars(select(GrantReport).where(GrantReport.state.in_(open_states))
                              .order_by(GrantReport.id).with_for_update()).all()
    moves = []
    for report in reports:
        for what in advance_report(session, report, now):
            moves.append((report.id, what))
    return moves


# --- what the group writes -----------------------------------------------------------------

@dataclass
class ReportContent:
    what_happened: str = ""
    learned: str = ""
    volunteers: str = "0"
    volunteer_hours: str = "0"
    assets_value: str = "0"
    # budget line id -> amount typed in pounds, e.g. "120.50"
    spending: dict[int, str] = field(default_factory=dict)
    # (activity type, age band) -> people typed
    participation: dict[tuple[str, str], str] = field(default_factory=dict)
    # asset question key -> text
    assets: dict[str, str] = field(default_factory=dict)


def _count(text: str, label: str, name: str) -> int:
    value = (text or "0").strip().replace(",", "") or "0"
    if not value.isdigit():
        raise Refused(_("%(label)s must be a whole number, like 12.", label=label), name)
    number = int(value)
    if number > MAX_COUNT:
        raise Refused(_("%(label)s looks too large: check the number.", label=label), name)
    return number


def _pence(text: str, label: str, name: str) -> int:
    pence = parse_pounds((text or "").strip() or "0")
    if pence is None:
        raise Refused(_("%(label)s: enter an amount in pounds, like 120 or 120.50.", label=label), name)
    if pence > MAX_COUNT * 100:
        raise Refused(_("%(label)s looks too large: check the amount.", label=label), name)
    return pence


def _require_editable(report: GrantReport) -> None:
    if report.state not in EDITABLE:
        raise Refused(_("This report cannot be changed now.") if report.state != ReportState.SCHEDULED
                      else _("This report opens when your activity ends."))


def save_report(session: Session, actor, report: GrantReport, content: ReportContent) -> GrantReport:
    """Keep what the group typed. Everything is checked first, so a mistake changes nothing."""
    _require_editable(report)
    for text, name in ((content.what_happened, "what_happened"), (content.learned, "learned")):
        if len(text or "") > MAX_TEXT:
            raise Refused(_("Keep this under %(limit)s characters.", limit=format_number(MAX_TEXT)), name)
    volunteers = _count(content.volunteers, _("Volunteers"), "volunteers")
    hours = _count(content.volunteer_hours, _("Volunteer hours"), "volunteer_hours")
    assets_value = _pence(content.assets_value, _("What your assets were worth"), "assets_value")
    lines = {line.id: line for line in report.award.application.budget_lines}
    spending: dict[int, int | None] = {}
    for line_id, typed in content.spending.items():
        if line_id not in lines:
            raise Refused(_("That budget line is not part of this grant."), "spending")
        # Blank means "not answered yet" (kept apart from 0, which is an answer).
        spending[line_id] = None if not (typed or "").strip() else _pence(
            typed, f"Spent on {lines[line_id].description}", f"spent_{line_id}")
    people: dict[tuple[str, str], int] = {}
    for (activity, band), typed in content.participation.items():
        if activity not in ACTIVITY_TYPES or band not in AGE_BANDS:
            raise Refused(_("Choose an activity and an age band from the lists."), "participation")
        number = _count(typed, f"{activity}, {band}", "participation")
        if number:
            people[(activity, band)] = number
    asset_keys = {q.key for q in report.award.application.round.questions if q.is_asset}
    assets = {k: v.strip()[:MAX_TEXT] for k, v in content.assets.items()
              if k in asset_keys and v and v.strip()}

    report.what_happened = (content.what_happened or "").strip()
    report.learned = (content.learned or "").strip()
    report.volunteers, report.volunteer_hours = volunteers, hours
    report.assets_value_pence = assets_value
    report.assets_contribution = assets
    existing = {s.budget_line_id: s for s in report.spending}
    for line_id, pence in spending.items():
        if pence is None:
            if line_id in existing:
                report.spending.remove(existing[line_id])
        elif line_id in existing:
            existing[line_id].spent_pence = pence
        else:
            report.spending.append(ReportSpending(budget_line_id=line_id, spent_pence=pence))
    current = {(p.activity_type, p.age_band): p for p in report.participation}
    for key, row in current.items():
        if key not in people:
            report.participation.remove(row)
    for (activity, band), number in people.items():
        if (activity, band) in current:
            current[(activity, band)].people = number
        else:
            report.participation.append(ReportParticipation(activity_type=activity,
                                                            age_band=band, people=number))
    session.flush()
    audit.record(session, actor, "grants.report_saved", "report", report.id, {
        "people": report.people, "volunteers": volunteers, "volunteer_hours": hours,
        "spent_pence": report.spent_pence, "assets_value_pence": assets_value})
    return report


def missing_parts(report: GrantReport) -> list[tuple[str, str]]:
    """What must be filled in before the report can be sent: (field, message)."""
    problems = []
    if not report.what_happened:
        problems.append(("what_happened", _("Tell us what happened.")))
    lines = report.award.application.budget_lines
    spent_on = {s.budget_line_id for s in report.spending}
    if any(line.id not in spent_on for line in lines):
        problems.append(("spending", _("Say what you spent on each budget line (0 if nothing).")))
    if not report.participation:
        problems.append(("participation", _("Say how many people took part.")))
    if not report.learned:
        problems.append(("learned", _("Tell us what you learned.")))
    return problems


def submit_report(session: Session, actor, report: GrantReport, *, now: datetime) -> GrantReport:
    _require_editable(report)
    problems = missing_parts(report)
    if problems:
        raise Refused(" ".join(message for _, message in problems), problems[0][0])
    again = report.state == ReportState.CHANGES_REQUESTED
    check_report_transition(report.state, ReportState.SUBMITTED)
    report.submitted_at = now
    _move(session, actor, report, ReportState.SUBMITTED, {"resubmitted": again})
    for address in manager_recipients(session, report.award.fund_id):
        with in_language(language_of(session, address)):
            subject = _("End-of-grant report updated: %(group)s", group=report.group.name) if again \
                else _("End-of-grant report received: %(group)s", group=report.group.name)
            send_email(session, address, subject,
                       _("%(group)s sent its report on %(project)s. Read it and accept it, or ask "
                         "for changes.", group=report.group.name, project=_project(report))
                       + f"\n\n{_report_link(report)}\n")
    return report


def request_changes(session: Session, actor, report: GrantReport, reason: str) -> GrantReport:
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Say what needs to change, so the group knows what to do."), "reason")
    if len(reason) > MAX_TEXT:
        raise Refused(_("Keep the reason under %(limit)s characters.", limit=format_number(MAX_TEXT)),
                      "reason")
    check_report_transition(report.state, ReportState.CHANGES_REQUESTED)
    report.changes_reason = reason
    _move(session, actor, report, ReportState.CHANGES_REQUESTED, {"reason": reason})
    _email_group(session, report, lambda: (
        _("Changes asked for on your report on %(project)s", project=_project(report)),
        _("Thank you for your report. The fund has asked for a change before accepting it:")
        + f"\n\n{reason}\n\n{_report_link(report)}\n"))
    return report


def accept_report(session: Session, actor, report: GrantReport, *, now: datetime) -> GrantReport:
    """Accept the report. Payments, listening, releases the instalment held for it."""
    check_report_transition(report.state, ReportState.ACCEPTED)
    report.accepted_at = now
    report.accepted_by_id = actor.id if hasattr(actor, "id") else None
    _move(session, actor, report, ReportState.ACCEPTED)
    report_accepted.send(report, session=session, actor=actor)
    _email_group(session, report, lambda: (
        _("Your report on %(project)s is accepted", project=_project(report)),
        _("Thank you: the fund has accepted your end-of-grant report. Any part of the grant held "
          "for it is now released.") + f"\n\n{_share_text(session, report, now)}"
        f"{_report_link(report)}\n"))
    return report


def _share_text(session: Session, report: GrantReport, now: datetime) -> str:
    """The group's part in its area's totals, for the confirmation email."""
    from grants.reports import impact

    area_id = report.award.application.area_id
    lines = [sentence for share in impact.group_shares(session, report.group)
             if share.area.id == area_id and share.year == report.activity_ends_on.year
             for sentence in impact.share_sentences(share, _today(now).year)]
    return "".join(f"{line}\n" for line in lines) + ("\n" if lines else "")


# --- photos ----------------------------------------------------------------------------------

PHOTO_EXTENSIONS = {"jpg", "jpeg", "png"}


def add_photo(session: Session, actor, report: GrantReport, *, file_name: str, data: bytes,
              caption: str, consent: bool) -> ReportPhoto:
    """A photo, checked like every upload (name, size, first bytes), images only."""
    from grants import uploads
    from grants.operations import GrantsError

    _require_editable(report)
    if not consent:
        raise Refused(_("Confirm that everyone in the photo (or their parent or carer) agreed to it being "
                        "shared."), "consent")
    try:
        name = uploads.check_file_name(file_name)
        if name.rsplit(".", 1)[-1].lower() not in PHOTO_EXTENSIONS:
            raise Refused(_("%(name)s is not a photo. Upload a JPG or PNG file.", name=name), "photo")
        content_type = uploads.check_file(name, data)
    except GrantsError as exc:
        raise Refused(str(exc), "photo") from exc
    stored = secrets.token_hex(20)
    (uploads.upload_folder() / stored).write_bytes(data)
    photo = ReportPhoto(report_id=report.id, original_name=name, stored_name=stored,
                        content_type=content_type, size_bytes=len(data),
                        sha256=hashlib.sha256(data).hexdigest(),
                        caption=(caption or "").strip()[:300], consent_confirmed=True,
                        uploaded_by_id=actor.id)
    session.add(photo)
    session.flush()
    audit.record(session, actor, "grants.report_photo_added", "report", report.id,
                 {"photo_id": photo.id, "sha256": photo.sha256, "consent": True})
    return photo


def remove_photo(session: Session, actor, photo: ReportPhoto, *, now: datetime) -> None:
    _require_editable(photo.report)
    photo.removed_at = now
    session.flush()
    audit.record(session, actor, "grants.report_photo_removed", "report", photo.report_id,
                 {"photo_id": photo.id})
