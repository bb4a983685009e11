"""Downloads for fund managers: a round's applications and budgets as CSV or spreadsheet."""

from __future__ import annotations

from flask import (
    Response,
    abort,
)
from flask_login import current_user

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot.accounts.policy import (
    OBJECT_CHECKED,
    access,
    can,
    require,
)
from commonpot.extensions import db
from grants import exports, queries
from grants.views import _round_or_404, bp


def _download(rows: list[list], name: str, fmt: str) -> Response:
    if fmt == "csv":
        return Response(exports.to_csv(rows), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "xlsx":
        return Response(
            exports.to_xlsx(rows, name),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    abort(404)


@bp.route("/rounds/<slug>/export/applications.<fmt>")
@access(OBJECT_CHECKED)
def export_applications(slug: str, fmt: str):
    round_ = _round_or_404(slug)
    require(can(current_user, "grants.manage_round", round_))
    rows = exports.application_rows(round_, queries.received_applications(db.session, round_.id))
    return _download(rows, f"{round_.slug}-applications", fmt)


@bp.route("/rounds/<slug>/export/budgets.<fmt>")
@access(OBJECT_CHECKED)
def export_budgets(slug: str, fmt: str):
    round_ = _round_or_404(slug)
    require(can(current_user, "grants.manage_round", round_))
    rows = exports.budget_rows(queries.received_applications(db.session, round_.id))
    return _download(rows, f"{round_.slug}-budgets", fmt)
