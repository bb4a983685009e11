"""Public grants pages: the rounds open to everyone, one round, its statistics."""

from __future__ import annotations

from flask import (
    render_template,
)
from flask_login import current_user

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.policy import (
    PUBLIC,
    PUBLIC_OBJECT_CHECKED,
    access,
)
from commonpot.extensions import db
from commonpot.forms import options
from commonpot.pagination import paginate
from grants import applications, forms, operations, queries, rounds
from grants.models import Round
from grants.states import (
    RoundPhase,
)
from grants.views import bp

# --- public -------------------------------------------------------------------------------

@bp.route("/")
@access(PUBLIC)
def list_rounds():
    rounds = paginate(db.session, queries.published_rounds_query())
    return render_template("grants/index.html", rounds=rounds, RoundPhase=RoundPhase)


@bp.route("/rounds/<slug>")
@access(PUBLIC_OBJECT_CHECKED)
def show_round(slug: str):
    round_ = load_or_404(Round, slug, "grants.view_round", by=Round.slug, hide_refusal=True)
    accepting = operations.accepting_applications(round_)
    choices, start_form = [], None
    if current_user.is_authenticated and accepting:
        choices = applications.application_choices(
            db.session, round_, queries.groups_for(db.session, current_user.id))
        eligible = [c.group for c in choices if c.refusal is None]
        if eligible:
            start_form = forms.StartApplicationForm()
            start_form.group_id.choices = options([(g.id, g.name) for g in eligible])
    return render_template("grants/round.html", round=round_, start_form=start_form,
                           choices=choices, accepting=accepting,
                           opens_later=rounds.opened_before_opening_time(round_),
                           areas=round_.fund.areas)


@bp.route("/rounds/<slug>/statistics")
@access(PUBLIC_OBJECT_CHECKED)
def show_round_statistics(slug: str):
    round_ = load_or_404(Round, slug, "grants.view_round", by=Round.slug, hide_refusal=True)
    stats = queries.round_statistics(db.session, round_)
    return render_template("grants/statistics.html", round=round_, stats=stats)


