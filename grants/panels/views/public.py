"""The public panel page: who sits on a round's panel."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

import grants.panels.policy  # noqa: F401  (registers the panels.* rules)
from commonpot.accounts.policy import (
    PUBLIC_OBJECT_CHECKED,
    access,
    can,
)
from commonpot.extensions import db
from grants.panels import queries
from grants.panels.views import _round, bp

# --- public ------------------------------------------------------------------------------------

@bp.route("/rounds/<int:round_id>")
@access(PUBLIC_OBJECT_CHECKED)
def show_panel(round_id: int):
    round_ = _round(round_id)
    if not can(current_user, "panels.view_panel", round_):
        abort(404)
    return render_template("panels/show_panel.html", round=round_,
                           composition=queries.composition(db.session, round_.id))


