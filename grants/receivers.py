"""How grants answers the platform's signals: the funds offered on the administration page,
and its parts of "Your work" (a group's applications, a reviewer's reviews, a fund manager's
rounds).

Imported by the app factory (a composition file), never by the platform itself."""

from __future__ import annotations

from sqlalchemy import select

from commonpot.accounts.signals import DashboardSection, dashboard_sections, fund_choices
from commonpot.i18n import _
from grants import dashboard
from grants.models import Fund
from grants.panels.queries import reviews_due


@fund_choices.connect
def _funds(session, **extra) -> list[tuple[int, str]]:
    return [(f.id, f.name) for f in session.scalars(select(Fund).order_by(Fund.name))]


@dashboard_sections.connect
def _applications(user, session, **extra) -> DashboardSection | None:
    steps = dashboard.applications_next_steps(session, user.id)
    if steps is None:
        return None
    return DashboardSection(10, _("Your groups' applications"), "grants/_dashboard_applications.html",
                            steps, _("Your groups have no applications yet."))


@dashboard_sections.connect
def _reviews(user, session, **extra) -> DashboardSection | None:
    due = reviews_due(session, user.id)
    if due is None:
        return None
    return DashboardSection(20, _("Reviews to do"), "panels/_dashboard_reviews.html", due,
                            _("No reviews are waiting for you."))


@dashboard_sections.connect
def _rounds(user, session, **extra) -> DashboardSection | None:
    actions = dashboard.rounds_needing_action(session, user)
    if actions is None:
        return None
    return DashboardSection(30, _("Rounds that need you"), "grants/_dashboard_rounds.html", actions,
                            _("No round is waiting for you."))
