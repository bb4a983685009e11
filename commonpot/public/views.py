from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from commonpot import audit
from commonpot.accounts.operations import remember_language
from commonpot.accounts.policy import PUBLIC, access
from commonpot.audit.checkpoints import all_checkpoints
from commonpot.audit.keys import keys as audit_keys
from commonpot.edge import query_int
from commonpot.extensions import db
from commonpot.i18n import LANGUAGE_COOKIE
from commonpot_verify.merkle import ProofError

bp = Blueprint("public", __name__)


@bp.route("/")
@access(PUBLIC)
def home():
    return render_template("public/home.html")


@bp.route("/language")
@access(PUBLIC)
def choose_language():
    """The language switcher (plain links, no JavaScript): remember the choice in a cookie
    for a year, and for a signed-in person on their account, then go back to the page."""
    code = request.args.get("lang", "")
    response = redirect(_local_path(request.args.get("next")))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, httponly=True,
                            samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
        if current_user.is_authenticated:
            remember_language(db.session, current_user.id, code)
    return response


def _local_path(target: str | None) -> str:
    """Only a path on this site: never '//host', '/\\host' or a full URL (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not urlsplit(target).netloc and not urlsplit(target).scheme:
        return target
    return url_for("public.home")


@bp.route("/audit")
@access(PUBLIC)
def audit_checkpoint():
    latest = audit.latest_checkpoint(db.session)
    return render_template("public/audit.html", latest=latest, size=audit.tree_size(db.session),
                           verifier_key=str(audit_keys().verifier), origin=audit_keys().origin)


@bp.route("/audit/events.json")
@access(PUBLIC)
def audit_events():
    """The whole chain, page by page, so anyone can recompute every hash."""
    after = query_int("after", 0)
    limit = query_int("limit", 500, minimum=1, maximum=2000)
    events = audit.events_page(db.session, after=after, limit=limit)
    return jsonify({
        "events": [event.as_public_dict() for event in events],
        "next_after": events[-1].seq if len(events) == limit else None,
        "leaf_rule": "RFC 6962 leaf: sha256(0x00 || canonical JSON of {seq, occurred_at, actor, "
                     "action, subject_type, subject_id, payload, private_digest}); canonical JSON "
                     "has sorted keys, no spaces, UTF-8. signature: Ed25519 by the key at "
                     "/audit/key.json over 'commonpot audit event v1\\n' + the 32-byte leaf hash.",
    })


@bp.route("/audit/key.json")
@access(PUBLIC)
def audit_key():
    return jsonify({"origin": audit_keys().origin, "verifier_key": str(audit_keys().verifier),
                    "format": "name+keyid+base64(0x01 || Ed25519 public key), as c2sp.org/signed-note"})


@bp.route("/audit/checkpoint")
@access(PUBLIC)
def audit_latest_note():
    """The latest signed checkpoint as a plain signed note (what witnesses fetch)."""
    latest = audit.latest_checkpoint(db.session)
    if latest is None:
        return Response("No checkpoint has been signed yet.\n", status=404, mimetype="text/plain")
    return Response(latest.note, mimetype="text/plain; charset=utf-8")


@bp.route("/audit/checkpoints.json")
@access(PUBLIC)
def audit_checkpoints():
    return jsonify({"checkpoints": [c.as_dict() for c in all_checkpoints(db.session)]})


def _proof_error(message: str):
    return jsonify({"error": message}), 400


@bp.route("/audit/proof/inclusion")
@access(PUBLIC)
def audit_inclusion_proof():
    """?index=&size=: the proof that leaf `index` (0-based) is in the tree of `size`. Without
    size, the latest checkpoint's; the signed checkpoint of that size comes with it."""
    index = request.args.get("index", type=int)
    latest = audit.latest_checkpoint(db.session)
    size = request.args.get("size", type=int) or (latest.tree_size if latest else None)
    if index is None or size is None or not 0 <= index < size:
        return _proof_error("Give index (from 0) and size, with index below size.")
    try:
        return jsonify(audit.proof_bundle(db.session, index, size))
    except ProofError as exc:
        return _proof_error(str(exc))


@bp.route("/audit/proof/consistency")
@access(PUBLIC)
def audit_consistency_proof():
    """?from=&to=: the proof that the tree of `to` extends the tree of `from`."""
    size1 = request.args.get("from", type=int)
    size2 = request.args.get("to", type=int)
    if size1 is None or size2 is None or not 0 < size1 <= size2:
        return _proof_error("Give from and to, with 0 < from <= to.")
    try:
        hashes = audit.consistency_proof(db.session, size1, size2)
    except ProofError as exc:
        return _proof_error(str(exc))
    return jsonify({"from": size1, "to": size2, "hashes": [h.hex() for h in hashes]})


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
