"""Panel pages: the blueprint and the loaders every panel page shares. The pages live in one
module per sub-domain, imported at the end of this file."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

import grants.panels.policy  # noqa: F401  (registers the panels.* rules)
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.policy import can, require
from commonpot.extensions import db
from grants.models import Application, Round
from grants.panels import operations, queries
from grants.panels.aggregation import display
from grants.panels.states import Recommendation

bp = Blueprint("panels", __name__, url_prefix="/panels")

# Unprocessable: the request is rolled back, the page shows why.
REFUSED = 422


@bp.app_template_filter("points")
def _points(value, places: int = 2):
    return display(value, places)


@bp.app_context_processor
def _panel_globals():
    # For the grants round page: {% with composition = panel_composition(round.id) %}
    # {% include "panels/_composition.html" %}{% endwith %}
    return {"panel_composition": lambda round_id: queries.composition(db.session, round_id),
            "recommendation_labels": {r.value: r.label for r in Recommendation}}


def _round(round_id: int) -> Round:
    return load_or_404(Round, round_id)


def _application(application_id: int) -> Application:
    return load_or_404(Application, application_id)


def _panel_or_404(round_: Round):
    panel = operations.panel_for_round(db.session, round_.id)
    if panel is None:
        abort(404)
    return panel


def _fail(form, exc: Exception) -> None:
    form.form_errors.append(str(exc))


def _managed_round(round_id: int) -> Round:
    round_ = _round(round_id)
    require(can(current_user, "panels.manage", round_))
    return round_


# The pages, by sub-domain; importing them registers their routes on `bp`.
from grants.panels.views import (  # noqa: E402, F401
    applicants,
    meeting,
    members,
    public,
    reviewing,
)
