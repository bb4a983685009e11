"""Downloads for fund managers: a round's applications and budgets as CSV or spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator

from flask import (
    Response,
    abort,
    stream_with_context,
)

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.policy import (
    OBJECT_CHECKED,
    access,
)
from commonpot.extensions import db
from commonpot.i18n import stream_in_language
from grants import exports
from grants.models import Round
from grants.views import bp


def _download(rows: Iterator[list], name: str, fmt: str) -> Response:
    if fmt == "csv":
        # Streamed: the rows are read and written while the response goes out.
        return Response(stream_with_context(stream_in_language(exports.stream_csv(rows))),
                        mimetype="text/csv; charset=utf-8",
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
    round_ = load_or_404(Round, slug, "grants.manage_round", by=Round.slug)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    return _download(exports.application_rows(db.session, round_), f"{round_.slug}-applications", fmt)


@bp.route("/rounds/<slug>/export/budgets.<fmt>")
@access(OBJECT_CHECKED)
def export_budgets(slug: str, fmt: str):
    round_ = load_or_404(Round, slug, "grants.manage_round", by=Round.slug)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    return _download(exports.budget_rows(db.session, round_.id), f"{round_.slug}-budgets", fmt)
