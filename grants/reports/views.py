"""Report and impact pages. Thin views: load, check permission, call one operation, render
or redirect. A refusal is flashed as an error, which rolls the request back."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

import grants.reports.policy  # noqa: F401 - registers the report rules with can()
from commonpot.accounts.policy import OBJECT_CHECKED, PUBLIC, PUBLIC_OBJECT_CHECKED, access, can, require
from commonpot.extensions import db
from commonpot.i18n import _
from commonpot.pagination import paginate
from commonpot.refusals import Refused
from grants.models import Application, Award, Fund, FundArea, Group, Round
from grants.reports import clock, forms, impact, operations
from grants.reports.models import ACTIVITY_TYPES, AGE_BANDS, GrantReport, ReportPhoto
from grants.reports.states import WAITING_FOR_GROUP, ReportState

bp = Blueprint("reports", __name__)


@bp.app_context_processor
def _report_helpers():
    return {"group_reports": _group_reports, "group_shares": _group_shares,
            "impact_sentences": lambda share: impact.share_sentences(share, clock.now().year),
            "share_bars": impact.share_bars, "ReportState": ReportState,
            "reports_waiting": WAITING_FOR_GROUP}


def _group_reports(group: Group) -> list[GrantReport]:
    return list(db.session.scalars(select(GrantReport).where(GrantReport.group_id == group.id)
                                   .options(joinedload(GrantReport.award).joinedload(Award.application))
                                   .order_by(GrantReport.due_on.desc())))


def _group_shares(group: Group) -> list[impact.Share]:
    return impact.group_shares(db.session, group)


def _report_or_404(report_id: int) -> GrantReport:
    report = db.session.get(GrantReport, report_id)
    if report is None:
        abort(404)
    return report


def _pounds(pence: int | None) -> str:
    if pence is None:
        return ""
    whole, part = divmod(pence, 100)
    return f"{whole}" if part == 0 else f"{whole}.{part:02d}"


def _content_from_request(report: GrantReport) -> operations.ReportContent:
    form = request.form
    return operations.ReportContent(
        what_happened=form.get("what_happened", ""), learned=form.get("learned", ""),
        volunteers=form.get("volunteers", "0"), volunteer_hours=form.get("volunteer_hours", "0"),
        assets_value=form.get("assets_value", "0"),
        spending={line.id: form.get(f"spent_{line.id}", "")
                  for line in report.award.application.budget_lines},
        participation={(activity, band): form.get(f"people_{a}_{b}", "")
                       for a, activity in enumerate(ACTIVITY_TYPES)
                       for b, band in enumerate(AGE_BANDS)},
        assets={key[len("asset_"):]: value for key, value in form.items()
                if key.startswith("asset_")})


def _typed_values(report: GrantReport) -> dict:
    """What the form shows: the request's values after a refusal, else what is stored."""
    if request.method == "POST":
        return dict(request.form)
    values = {"what_happened": report.what_happened, "learned": report.learned,
              "volunteers": str(report.volunteers), "volunteer_hours": str(report.volunteer_hours),
              "assets_value": _pounds(report.assets_value_pence)}
    for spending in report.spending:
        values[f"spent_{spending.budget_line_id}"] = _pounds(spending.spent_pence)
    for row in report.participation:
        if row.activity_type in ACTIVITY_TYPES and row.age_band in AGE_BANDS:
            values[f"people_{ACTIVITY_TYPES.index(row.activity_type)}_"
                   f"{AGE_BANDS.index(row.age_band)}"] = str(row.people)
    for key, text in (report.assets_contribution or {}).items():
        values[f"asset_{key}"] = text
    return values


def _render_report(report: GrantReport, problem: Refused | None = None, status: int = 200):
    application = report.award.application
    asset_questions = [(q, (application.answers or {}).get(q.key, ""))
                       for q in application.round.questions if q.is_asset]
    shares = [s for s in impact.group_shares(db.session, report.group)
              if report.state == ReportState.ACCEPTED and application.area_id == s.area.id
              and s.year == report.activity_ends_on.year]
    return render_template(
        "grants/reports/report.html", report=report, application=application,
        values=_typed_values(report), problem=problem, activity_types=ACTIVITY_TYPES,
        age_bands=AGE_BANDS, asset_questions=asset_questions,
        missing=operations.missing_parts(report), photo_form=forms.PhotoForm(),
        action_form=forms.ActionForm(), changes_form=forms.ChangesForm(), shares=shares,
        photos=[p for p in report.photos if p.removed_at is None]), status


@bp.route("/grants/reports/<int:report_id>", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_report(report_id: int):
    report = _report_or_404(report_id)
    require(can(current_user, "reports.view", report))
    if request.method == "POST":
        require(can(current_user, "reports.edit", report))
        if not forms.ActionForm().validate_on_submit():
            abort(400)
        try:
            operations.save_report(db.session, current_user, report, _content_from_request(report))
        except Refused as exc:
            flash(exc.message, "error")
            return _render_report(report, exc)
        flash(_("Your report is saved."), "success")
        return redirect(url_for(".edit_report", report_id=report.id))
    return _render_report(report)


@bp.route("/grants/reports/<int:report_id>/submit", methods=["POST"])
@access(OBJECT_CHECKED)
def submit_report(report_id: int):
    report = _report_or_404(report_id)
    require(can(current_user, "reports.edit", report))
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        operations.submit_report(db.session, current_user, report, now=clock.now())
    except Refused as exc:
        flash(exc.message, "error")
    else:
        flash(_("Thank you: your report is sent. The fund will read it and tell you."), "success")
    return redirect(url_for(".edit_report", report_id=report.id))


@bp.route("/grants/reports/<int:report_id>/photos", methods=["POST"])
@access(OBJECT_CHECKED)
def add_photo(report_id: int):
    report = _report_or_404(report_id)
    require(can(current_user, "reports.edit", report))
    form = forms.PhotoForm()
    if not form.validate_on_submit():
        flash(_("The photo could not be added: the form was incomplete."), "error")
        return redirect(url_for(".edit_report", report_id=report.id))
    upload = form.photo.data
    try:
        operations.add_photo(db.session, current_user, report,
                             file_name=getattr(upload, "filename", "") or "",
                             data=upload.read() if upload else b"", caption=form.caption.data or "",
                             consent=bool(form.consent.data))
    except Refused as exc:
        flash(exc.message, "error")
    else:
        flash(_("Photo added."), "success")
    return redirect(url_for(".edit_report", report_id=report.id))


def _photo_or_404(report_id: int, photo_id: int) -> ReportPhoto:
    photo = db.session.get(ReportPhoto, photo_id)
    if photo is None or photo.report_id != report_id or photo.removed_at is not None:
        abort(404)
    return photo


@bp.route("/grants/reports/<int:report_id>/photos/<int:photo_id>")
@access(PUBLIC_OBJECT_CHECKED)
def show_photo(report_id: int, photo_id: int):
    photo = _photo_or_404(report_id, photo_id)
    # Public once the report is accepted (the consent covers that); before, only its readers.
    if photo.report.state != ReportState.ACCEPTED:
        require(can(current_user, "reports.view", photo.report))
    from grants.uploads import upload_folder

    return send_file(upload_folder() / photo.stored_name, mimetype=photo.content_type,
                     download_name=photo.original_name)


@bp.route("/grants/reports/<int:report_id>/photos/<int:photo_id>/remove", methods=["POST"])
@access(OBJECT_CHECKED)
def remove_photo(report_id: int, photo_id: int):
    photo = _photo_or_404(report_id, photo_id)
    require(can(current_user, "reports.edit", photo.report))
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        operations.remove_photo(db.session, current_user, photo, now=clock.now())
    except Refused as exc:
        flash(exc.message, "error")
    else:
        flash(_("Photo removed."), "success")
    return redirect(url_for(".edit_report", report_id=report_id))


@bp.route("/grants/reports/<int:report_id>/accept", methods=["POST"])
@access(OBJECT_CHECKED)
def accept_report(report_id: int):
    report = _report_or_404(report_id)
    require(can(current_user, "reports.decide", report))
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        operations.accept_report(db.session, current_user, report, now=clock.now())
    except Refused as exc:
        flash(exc.message, "error")
    else:
        flash(_("Report accepted. Any instalment held for it is released."), "success")
    return redirect(url_for(".edit_report", report_id=report.id))


@bp.route("/grants/reports/<int:report_id>/changes", methods=["POST"])
@access(OBJECT_CHECKED)
def request_changes(report_id: int):
    report = _report_or_404(report_id)
    require(can(current_user, "reports.decide", report))
    form = forms.ChangesForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for(".edit_report", report_id=report.id))
    try:
        operations.request_changes(db.session, current_user, report, form.reason.data)
    except Refused as exc:
        flash(exc.message, "error")
    else:
        flash(_("The group has been asked for changes."), "success")
    return redirect(url_for(".edit_report", report_id=report.id))


@bp.route("/grants/rounds/<slug>/reports")
@access(OBJECT_CHECKED)
def round_reports(slug: str):
    round_ = db.session.scalar(select(Round).where(Round.slug == slug))
    if round_ is None:
        abort(404)
    require(can(current_user, "reports.manage_round", round_))
    awards = paginate(db.session, select(Award).where(Award.round_id == round_.id,
                                                      Award.released_at.is_not(None))
                      .options(joinedload(Award.application).joinedload(Application.group))
                      .order_by(Award.id))
    reports = {r.award_id: r for r in db.session.scalars(
        select(GrantReport).where(GrantReport.award_id.in_([a.id for a in awards])))}
    overdue = db.session.scalar(select(func.count(GrantReport.id)).join(
        Award, Award.id == GrantReport.award_id).where(
        Award.round_id == round_.id, GrantReport.state == ReportState.OVERDUE))
    return render_template("grants/reports/round.html", round=round_, awards=awards,
                           reports=reports, schedule_form=forms.ScheduleForm(), overdue=overdue)


@bp.route("/grants/awards/<int:award_id>/report", methods=["POST"])
@access(OBJECT_CHECKED)
def schedule_report(award_id: int):
    award = db.session.get(Award, award_id)
    if award is None:
        abort(404)
    require(can(current_user, "reports.manage_round", award.round))
    form = forms.ScheduleForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    else:
        try:
            operations.schedule_report(db.session, current_user, award, form.activity_ends_on.data,
                                       now=clock.now())
        except Refused as exc:
            flash(exc.message, "error")
        else:
            flash(_("The report is scheduled: the group is asked for it when the activity ends."),
                  "success")
    return redirect(url_for(".round_reports", slug=award.round.slug))


@bp.route("/grants/groups/<int:group_id>/impact.csv")
@access(OBJECT_CHECKED)
def group_impact_csv(group_id: int):
    group = db.session.get(Group, group_id)
    if group is None:
        abort(404)
    require(can(current_user, "reports.view_group_impact", group))
    return Response(impact.group_shares_csv(db.session, group), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{group.slug}-impact.csv"'})


# --- public impact pages --------------------------------------------------------------------

def _fund_or_404(slug: str) -> Fund:
    fund = db.session.scalar(select(Fund).where(Fund.slug == slug))
    if fund is None:
        abort(404)
    return fund


@bp.route("/impact/<fund_slug>")
@access(PUBLIC)
def fund_impact(fund_slug: str):
    fund = _fund_or_404(fund_slug)
    tables = impact.fund_tables(db.session, fund.id)
    chart = impact.bar_chart([(name, totals.people) for name, totals, _ in tables["area"]])
    return render_template("grants/reports/fund_impact.html", fund=fund, tables=tables,
                           chart=chart, measures=impact.MEASURES)


@bp.route("/impact/<fund_slug>/impact.csv")
@access(PUBLIC)
def fund_impact_csv(fund_slug: str):
    fund = _fund_or_404(fund_slug)
    return Response(impact.fund_csv(db.session, fund.id), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{fund.slug}-impact.csv"'})


@bp.route("/impact/<fund_slug>/areas/<int:area_id>")
@access(PUBLIC)
def area_impact(fund_slug: str, area_id: int):
    fund = _fund_or_404(fund_slug)
    area = db.session.get(FundArea, area_id)
    if area is None or area.fund_id != fund.id:
        abort(404)
    tables = impact.area_tables(db.session, fund.id, area.id)
    charts = {year["year"]: impact.bar_chart([(name, totals.people)
                                              for name, totals in year["groups"]])
              for year in tables["years"]}
    return render_template("grants/reports/area_impact.html", fund=fund, area=area,
                           tables=tables, charts=charts, measures=impact.MEASURES)
