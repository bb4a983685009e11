"""Fund managers' fund pages: their funds, one fund, its themes and its areas."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.policy import (
    ANY_FUND_MANAGER,
    OBJECT_CHECKED,
    access,
    can,
)
from commonpot.extensions import db
from commonpot.i18n import _
from grants import forms, operations
from grants.models import (
    Fund,
)
from grants.views import bp

# --- fund managers ------------------------------------------------------------------------

def _managed_funds() -> list[Fund]:
    funds = db.session.scalars(select(Fund).order_by(Fund.name)).all()
    return [f for f in funds if can(current_user, "grants.manage_fund", f)]


@bp.route("/manage")
@access(ANY_FUND_MANAGER)
def manage_funds():
    return render_template("grants/manage_funds.html", funds=_managed_funds())


@bp.route("/funds/<int:fund_id>")
@access(OBJECT_CHECKED)
def manage_fund(fund_id: int):
    fund = load_or_404(Fund, fund_id, "grants.manage_fund")
    themes_form = forms.ThemesForm(themes="\n".join(fund.themes or []))
    return render_template("grants/manage_fund.html", fund=fund, themes_form=themes_form,
                           areas_form=forms.AreasImportForm())


@bp.route("/funds/<int:fund_id>/themes", methods=["POST"])
@access(OBJECT_CHECKED)
def update_fund_themes(fund_id: int):
    fund = load_or_404(Fund, fund_id, "grants.manage_fund")
    form = forms.ThemesForm()
    if form.validate_on_submit():
        operations.set_fund_themes(db.session, current_user, fund,
                                   (form.themes.data or "").splitlines())
        flash(_("Themes saved."), "success")
    return redirect(url_for("grants.manage_fund", fund_id=fund.id))


@bp.route("/funds/<int:fund_id>/areas", methods=["POST"])
@access(OBJECT_CHECKED)
def import_areas(fund_id: int):
    fund = load_or_404(Fund, fund_id, "grants.manage_fund")
    form = forms.AreasImportForm()
    if form.validate_on_submit() and form.file.data:
        text = form.file.data.read().decode("utf-8-sig", errors="replace")
        # A file with any bad row is refused whole (the refusal handler shows the problems).
        summary = operations.import_areas_csv(db.session, current_user, fund, text)
        flash(_("%(areas)s area(s) created and %(postcodes)s postcode(s) added.",
                areas=summary["areas_created"], postcodes=summary["postcodes_added"]), "success")
    else:
        flash(_("Choose a CSV file to import."), "error")
    return redirect(url_for("grants.manage_fund", fund_id=fund.id))


