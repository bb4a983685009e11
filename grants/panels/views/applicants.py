"""What an applicant sees of the panel: the released decision and its reasons."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

import grants.panels.policy  # noqa: F401  (registers the panels.* rules)
from commonpot.accounts.policy import (
    OBJECT_CHECKED,
    access,
    can,
    require,
)
from commonpot.extensions import db
from grants.panels import operations
from grants.panels.states import Outcome
from grants.panels.views import _application, bp

# --- applicants --------------------------------------------------------------------------------

@bp.route("/applications/<int:application_id>/outcome")
@access(OBJECT_CHECKED)
def show_decision(application_id: int):
    application = _application(application_id)
    require(can(current_user, "panels.view_decision", application))
    decision = operations.decision_for(db.session, application.id)
    released = decision is not None and decision.released_at is not None
    panel = operations.panel_for_round(db.session, application.round_id)
    comments = (operations.panel_comments(db.session, application.id)
                if released and panel is not None and panel.share_panel_comments else [])
    return render_template("panels/outcome.html", application=application,
                           decision=decision if released else None, comments=comments,
                           Outcome=Outcome)
