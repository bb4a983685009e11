from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from commonpot import audit
from commonpot.accounts.policy import PUBLIC, access
from commonpot.edge import query_int
from commonpot.extensions import db

bp = Blueprint("public", __name__)


@bp.route("/")
@access(PUBLIC)
def home():
    return render_template("public/home.html")


@bp.route("/audit")
@access(PUBLIC)
def audit_checkpoint():
    latest = audit.latest_checkpoint(db.session)
    return render_template("public/audit.html", latest=latest)


@bp.route("/audit/events.json")
@access(PUBLIC)
def audit_events():
    """The whole chain, page by page, so anyone can recompute every hash."""
    after = query_int("after", 0)
    limit = query_int("limit", 500, minimum=1, maximum=2000)
    events = audit.events_page(db.session, after=after, limit=limit)
    return jsonify({
        "events": [event.as_dict() for event in events],
        "next_after": events[-1].seq if len(events) == limit else None,
        "hash_rule": "sha256 of canonical JSON (sorted keys, no spaces, UTF-8) of "
                     "{seq, occurred_at, actor, action, subject_type, subject_id, payload, prev_hash}",
    })


@bp.route("/healthz")
@access(PUBLIC)
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        return jsonify({"status": "error", "database": type(exc).__name__}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.route("/accessibility")
@access(PUBLIC)
def accessibility():
    return render_template("public/accessibility.html")
