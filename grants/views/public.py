"""Public grants pages: the rounds open to everyone, one round, its statistics."""

from __future__ import annotations

from flask import (
    abort,
    render_template,
)
from flask_login import current_user

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot.accounts.policy import (
    PUBLIC,
    PUBLIC_OBJECT_CHECKED,
    access,
    can,
)
from commonpot.extensions import db
from commonpot.forms import options
from grants import forms, operations, queries
from grants.states import (
    RoundPhase,
)
from grants.views import _round_or_404, bp

# --- public -------------------------------------------------------------------------------

@bp.route("/")
@access(PUBLIC)
def list_rounds():
    rounds = queries.published_rounds(db.session)
    return render_template("grants/index.html", rounds=rounds, RoundPhase=RoundPhase)


@bp.route("/rounds/<slug>")
@access(PUBLIC_OBJECT_CHECKED)
def show_round(slug: str):
    round_ = _round_or_404(slug)
    if not can(current_user, "grants.view_round", round_):
        abort(404)
    start_form = None
    if current_user.is_authenticated and operations.accepting_applications(round_):
        groups = queries.groups_for(db.session, current_user.id)
        if groups:
            start_form = forms.StartApplicationForm()
            start_form.group_id.choices = options([(g.id, g.name) for g in groups])
    return render_template("grants/round.html", round=round_, start_form=start_form,
                           accepting=operations.accepting_applications(round_),
                           areas=round_.fund.areas)


@bp.route("/rounds/<slug>/statistics")
@access(PUBLIC_OBJECT_CHECKED)
def show_round_statistics(slug: str):
    round_ = _round_or_404(slug)
    if not can(current_user, "grants.view_round", round_):
        abort(404)
    stats = queries.round_statistics(db.session, round_)
    return render_template("grants/statistics.html", round=round_, stats=stats)


