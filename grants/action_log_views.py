"""The action log page for fund managers and admins (grants.action_log does the work)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from commonpot.accounts.policy import ANY_FUND_MANAGER, access, fund_ids_with_role, is_admin
from commonpot.extensions import db
from commonpot.i18n import _
from grants import action_log
from grants.models import Application, Fund, Round

bp = Blueprint("action_log", __name__)


def _text(name: str) -> str:
    """A filter as typed, less NUL characters (which PostgreSQL refuses)."""
    return request.args.get(name, "")[:100].replace("\x00", "").strip()


def _date(name: str) -> tuple[date | None, str | None]:
    raw = _text(name)
    if not raw:
        return None, None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, _("Enter the date as year-month-day, for example 2026-12-01 (not “%(typed)s”).",
                       typed=raw)


@bp.route("/manage/action-log")
@access(ANY_FUND_MANAGER)
def list_actions():
    fund_ids = None if is_admin(current_user) else fund_ids_with_role(current_user, "fund_manager")
    problems = []
    rounds_query = select(Round).order_by(Round.created_at.desc())
    if fund_ids is not None:
        rounds_query = rounds_query.where(Round.fund_id.in_(fund_ids))
    rounds = list(db.session.scalars(rounds_query))
    round_slug = _text("round")
    chosen_round = next((r for r in rounds if r.slug == round_slug), None)
    if round_slug and chosen_round is None:
        problems.append(_("There is no round with that name among yours."))
    reference = _text("application")
    application = None
    if reference:
        application = db.session.scalar(select(Application).where(Application.reference == reference.upper()))
        if application is None or (fund_ids is not None and application.round.fund_id not in fund_ids):
            application = None
            problems.append(_("No application among yours has the reference “%(reference)s”.",
                              reference=reference))
    since, problem = _date("since")
    problems += [problem] if problem else []
    until, problem = _date("until")
    problems += [problem] if problem else []
    filters = action_log.LogFilters(
        round_id=chosen_round.id if chosen_round else None,
        application_id=application.id if application else None,
        person=_text("person"), action=_text("action"),
        since=since, until=until)
    page = request.args.get("page", "1")
    found = None if problems else action_log.search(
        db.session, filters, fund_ids, page=int(page) if page.isdigit() and len(page) < 7 else 1)
    funds = None if fund_ids is None else list(db.session.scalars(
        select(Fund).where(Fund.id.in_(fund_ids)).order_by(Fund.name)))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("grants/action_log.html", found=found, problems=problems, rounds=rounds,
                           actions=action_log.actions_seen(db.session, fund_ids), args=args,
                           funds=funds)
