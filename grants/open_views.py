"""Public pages about where the money went: every award (searchable), each fund's figures,
the open-data downloads, and the fund manager's switches for what a round publishes."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField

from commonpot.accounts.policy import OBJECT_CHECKED, PUBLIC, access, can, require
from commonpot.extensions import db
from commonpot.i18n import _
from commonpot.i18n import lazy_gettext as _l
from commonpot.pagination import paginate
from grants import giving360, money_figures, public_awards, publication, queries
from grants.models import Fund, Round
from grants.panels.aggregation import display as score_display
from grants.states import RoundPhase

bp = Blueprint("open_data", __name__)


@bp.app_context_processor
def _open_data_helpers():
    return {"round_outcome": lambda round_: public_awards.round_outcome(db.session, round_),
            "score_display": score_display}


def _text_arg(name: str) -> str:
    """A query-string value as typed, less NUL characters (which PostgreSQL refuses)."""
    return request.args.get(name, "")[:100].replace("\x00", "")


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 7 else None


@bp.route("/awards")
@access(PUBLIC)
def list_awards():
    filters = public_awards.AwardFilters(
        text=_text_arg("q"), fund=_text_arg("fund"), round=_text_arg("round"),
        theme=_text_arg("theme"), area=_text_arg("area"), year=_int_arg("year"))
    found = public_awards.search_awards(db.session, filters, page=_int_arg("page") or 1)
    return render_template("public/awards.html", found=found, filters=filters,
                           choices=public_awards.filter_choices(db.session))


@bp.route("/funds/<slug>")
@access(PUBLIC)
def show_fund(slug: str):
    fund = None if "\x00" in slug else db.session.scalar(select(Fund).where(Fund.slug == slug))
    if fund is None:
        abort(404)
    money = (money_figures.fund_money(db.session, [fund.id]) or {}).get(fund.id)
    awarded = public_awards.fund_awarded_pence(db.session, fund.id)
    rounds = paginate(db.session, queries.published_rounds_query(fund.id))
    return render_template("public/fund.html", fund=fund, money=money, awarded=awarded,
                           awards=public_awards.fund_award_count(db.session, fund.id),
                           remaining=(fund.budget_pence + money.raised_pence - awarded) if money else None,
                           rounds=rounds)


@bp.route("/open-data")
@access(PUBLIC)
def show_open_data():
    return render_template("public/open_data.html",
                           count=public_awards.search_awards(db.session, per_page=1).count)


@bp.route("/open-data/360giving.<fmt>")
@access(PUBLIC)
def download_360giving(fmt: str):
    if fmt not in ("json", "csv"):
        abort(404)
    data = giving360.package(db.session, **giving360.options_from_config(current_app.config))
    if fmt == "json":
        body, mimetype = json.dumps(data, indent=2, ensure_ascii=False), "application/json"
    else:
        body, mimetype = giving360.package_csv(data["grants"]), "text/csv"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="commonpot-grants-360giving.{fmt}"',
        "Access-Control-Allow-Origin": "*"})


class PublicationForm(FlaskForm):
    publish_scores = BooleanField(_l("Show the panel's scores for each award on the public page"))
    publish_declined_names = BooleanField(
        _l("Name the groups that were not funded on the public page (otherwise only how many)"))


@bp.route("/grants/rounds/<slug>/publication", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_round_publication(slug: str):
    round_ = None if "\x00" in slug else db.session.scalar(select(Round).where(Round.slug == slug))
    if round_ is None:
        abort(404)
    require(can(current_user, "grants.manage_round", round_))
    form = PublicationForm(obj=round_)
    if form.validate_on_submit():
        publication.set_round_publication(
            db.session, current_user, round_, publish_scores=form.publish_scores.data,
            publish_declined_names=form.publish_declined_names.data)
        flash(_("What this round publishes is saved."), "success")
        return redirect(url_for("grants.manage_round", slug=round_.slug))
    return render_template("grants/publication.html", round=round_, form=form,
                           decided=round_.phase in public_awards.DECIDED_PHASES,
                           RoundPhase=RoundPhase)
