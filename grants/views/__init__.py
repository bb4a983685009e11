"""Grants pages: the blueprint, the round clock, and the loaders every grants page shares.
The pages themselves live in one module per sub-domain, imported at the end of this file.
Thin views: load, check permission, call one operation, render or redirect."""

from __future__ import annotations

from flask import Blueprint, abort, request

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot.extensions import db
from grants import eligibility, operations, queries
from grants.models import ORG_TYPE_LABELS, Round
from grants.states import ApplicationStatus
from grants.timefmt import london, london_date

bp = Blueprint("grants", __name__, url_prefix="/grants")


@bp.app_context_processor
def _grants_helpers():
    return {"london": london, "london_date": london_date,
            "org_type_labels": {k.value: v for k, v in ORG_TYPE_LABELS.items()},
            "screening_reasons": eligibility.SCREENING_REASONS,
            "status_labels": {s.value: s.label for s in ApplicationStatus},
            "budget_categories": operations.BUDGET_CATEGORIES}


@bp.before_app_request
def _round_clock():
    """Rounds open and close on time even without cron: every request checks the clock."""
    if request.endpoint == "static":
        return
    if operations.rounds_due(db.session):
        operations.tick_rounds(db.session)
        db.session.commit()


def _round_or_404(slug: str) -> Round:
    round_ = queries.round_by_slug(db.session, slug)
    if round_ is None:
        abort(404)
    return round_


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _form_errors(form, exc: operations.GrantsError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(exc)]
    else:
        form.form_errors.append(str(exc))


# The pages, by sub-domain; importing them registers their routes on `bp`.
from grants.views import (  # noqa: E402, F401
    applications,
    exports,
    funds,
    groups,
    public,
    rounds,
    screening,
)
