"""Grants pages: the blueprint and the loaders every grants page shares.
The pages themselves live in one module per sub-domain, imported at the end of this file.
Thin views: load, check permission, call one operation, render or redirect."""

from __future__ import annotations

from flask import Blueprint

import grants.policy  # noqa: F401 - registers the grants rules with can()
from grants import answers, eligibility, operations
from grants.models import ORG_TYPE_LABELS
from grants.states import ApplicationStatus
from grants.timefmt import london, london_date

bp = Blueprint("grants", __name__, url_prefix="/grants")


@bp.app_context_processor
def _grants_helpers():
    return {"london": london, "london_date": london_date,
            "org_type_labels": {k.value: v for k, v in ORG_TYPE_LABELS.items()},
            "screening_reasons": eligibility.SCREENING_REASONS,
            "status_labels": {s.value: s.label for s in ApplicationStatus},
            "ApplicationStatus": ApplicationStatus,
            "budget_categories": operations.BUDGET_CATEGORIES,
            "shown_answer": answers.shown_answer, "shown_amount": answers.shown_amount}


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
