"""Grants pages: the blueprint and the loaders every grants page shares.
The pages themselves live in one module per sub-domain, imported at the end of this file.
Thin views: load, check permission, call one operation, render or redirect."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot.i18n import _, current_language
from grants import eligibility, operations
from grants.answers import answer_text, typed_money
from grants.applications import timeline_text
from grants.models import ORG_TYPE_LABELS
from grants.states import ApplicationStatus
from grants.timefmt import london, london_date

bp = Blueprint("grants", __name__, url_prefix="/grants")


@lru_cache(maxsize=16)
def _labels_in(language: str) -> dict:
    # Called inside a request whose language is `language`, so _() translates into it; kept
    # per language, since every page of every blueprint gets these.
    return {"org_type_labels": {k.value: str(v) for k, v in ORG_TYPE_LABELS.items()},
            "screening_reasons": {code: _(text) for code, text in eligibility.SCREENING_REASONS.items()},
            "status_labels": {s.value: s.label for s in ApplicationStatus},
            "budget_categories": {code: _(text) for code, text in operations.BUDGET_CATEGORIES.items()}}


@bp.app_context_processor
def _grants_helpers():
    # The wording is kept in English and translated here in the reader's language.
    return {"london": london, "london_date": london_date, **_labels_in(current_language()),
            "ApplicationStatus": ApplicationStatus,
            "answer_text": answer_text, "typed_money": typed_money, "timeline_text": timeline_text}


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
