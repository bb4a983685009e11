"""The screening page: the fund team's eligibility decision on an application."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.policy import (
    OBJECT_CHECKED,
    access,
)
from commonpot.extensions import db
from commonpot.i18n import _
from grants import forms, operations
from grants.models import (
    Application,
)
from grants.views import _form_errors, bp


@bp.route("/applications/<int:application_id>/screening", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def screen_application(application_id: int):
    application = load_or_404(Application, application_id, "grants.screen_application")
    form = forms.ScreeningForm()
    if form.validate_on_submit():
        try:
            operations.screen_application(
                db.session, current_user, application, eligible=form.eligible.data == "yes",
                reason_code=form.reason_code.data, reason_text=form.reason_text.data or "")
        except operations.GrantsError as exc:
            _form_errors(form, exc)
        except operations.IllegalTransitionError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("%(reference)s marked %(status)s.", reference=application.reference,
                    status=application.status.label.lower()), "success")
            return redirect(url_for("grants.manage_round_applications", slug=application.round.slug))
    return render_template("grants/screen.html", application=application, form=form)


