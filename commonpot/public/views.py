from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from commonpot import audit
from commonpot.accounts.policy import PUBLIC, access
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
    after = request.args.get("after", default=0, type=int)
    limit = min(request.args.get("limit", default=500, type=int), 2000)
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
    """The process is alive and answering. No database work: a load balancer polls this
    often, and a database outage must not make every web process look dead."""
    return jsonify({"status": "ok"})


@bp.route("/readyz")
@access(PUBLIC)
def readyz():
    """Ready for traffic: the database answers, Redis answers (if configured) and the
    schema is at the migrations' head (a deploy that skipped `db upgrade` is not ready)."""
    from commonpot.readiness import check

    report = check(current_app._get_current_object(), db.session)
    return jsonify(report), 200 if report["status"] == "ok" else 503


@bp.route("/accessibility")
@access(PUBLIC)
def accessibility():
    return render_template("public/accessibility.html")
