"""The app factory."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from flask import Flask, g, request, session
from sqlalchemy import event, select
from werkzeug.middleware.proxy_fix import ProxyFix

from commonpot import i18n
from commonpot.config import load_config
from commonpot.extensions import csrf, db, limiter, login_manager, migrate
from commonpot.i18n import lazy_gettext

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_relative_config=True,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Behind N proxies the client's address and the scheme come from their headers, so
        # per-address limits see people, not the proxy. Never trust more hops than exist.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from commonpot import edge
    edge.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Sign in to continue.")
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)

    with app.app_context():
        _configure_sqlite(db.engine)

    from commonpot import logs
    logs.init_app(app)

    _import_models()
    from commonpot import audit
    audit.init_app(app)
    _connect_domains()
    _register_blueprints(app)
    _register_request_hooks(app)

    from commonpot import transaction
    transaction.init_app(app)

    from commonpot.errors import register_error_handlers
    register_error_handlers(app)

    from commonpot.cli import register_commands
    register_commands(app)

    from commonpot.accounts.policy import check_every_route_has_a_rule
    check_every_route_has_a_rule(app)
    return app


def _import_models() -> None:
    """Every model module, so metadata (and Alembic) sees the whole schema."""
    import commonpot.accounts.models  # noqa: F401
    import commonpot.audit  # noqa: F401
    import commonpot.mail  # noqa: F401

    # Retention rules register themselves for `commonpot privacy sweep`.
    import commonpot.retention  # noqa: F401
    import grants.models  # noqa: F401
    import grants.panels.models  # noqa: F401
    import grants.reports.models  # noqa: F401
    import payments.models  # noqa: F401
    import voting.cast_tokens  # noqa: F401
    import voting.delivery  # noqa: F401
    import voting.models  # noqa: F401
    import voting.retention  # noqa: F401


def _connect_domains() -> None:
    """The receivers by which higher domains join lower ones' operations (see grants/signals.py)."""
    import grants.receivers  # noqa: F401
    import payments.receivers  # noqa: F401
    import voting.dashboard  # noqa: F401
    import voting.resident_vote  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    import grants.api  # noqa: F401 - each domain adds its open API resources before
    import payments.figures  # noqa: F401 - payments answers grants' money questions
    import voting.api  # noqa: F401 - the API blueprint is registered below
    from commonpot.accounts.views import bp as accounts_bp
    from commonpot.api import bp as api_bp
    from commonpot.public.views import bp as public_bp
    from grants.action_log_views import bp as action_log_bp
    from grants.open_views import bp as open_bp
    from grants.panels.views import bp as panels_bp
    from grants.reports.views import bp as reports_bp
    from grants.views import bp as grants_bp
    from payments.views import bp as payments_bp
    from voting.delivery_views import bp as delivery_bp
    from voting.views import bp as voting_bp

    for blueprint in (public_bp, accounts_bp, grants_bp, panels_bp, reports_bp, voting_bp,
                      delivery_bp, payments_bp, open_bp, action_log_bp, api_bp):
        app.register_blueprint(blueprint)


def _configure_sqlite(engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Writers wait for each other instead of failing; WAL lets readers run meanwhile.
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _register_request_hooks(app: Flask) -> None:
    from commonpot.accounts.models import FundRole, User
    from commonpot.accounts.policy import (
        can,
        is_admin,
        is_fund_manager,
        is_panel_member,
        remember_fund_roles,
    )

    @login_manager.user_loader
    def load_user(session_id: str):
        # "<id>.<session version>": a session from before sign-out or a password change
        # names an old version and loads nobody.
        user_id, _, version = session_id.partition(".")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        # One query for the person and their fund roles: the navigation bar asks about the
        # roles on every page, and would otherwise ask the database again.
        rows = db.session.execute(
            select(User, FundRole.fund_id, FundRole.role)
            .outerjoin(FundRole, FundRole.user_id == User.id).where(User.id == int(user_id))
            .execution_options(populate_existing=True)).all()
        if not rows or rows[0][0].session_version != int(version):
            return None
        user = rows[0][0]
        remember_fund_roles(user, [(fund_id, role) for _, fund_id, role in rows if fund_id is not None])
        return user

    @app.before_request
    def _nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.before_request
    def _session_timeouts():
        if "_user_id" not in session:
            return
        now = int(time.time())
        signed_in_at = session.get("signed_in_at") or 0
        seen_at = session.get("seen_at") or 0
        if now - signed_in_at > app.config["SESSION_ABSOLUTE_TIMEOUT"] \
                or now - seen_at > app.config["SESSION_IDLE_TIMEOUT"]:
            session.clear()
        elif now - seen_at >= 60:  # rewrite the cookie at most once a minute
            session["seen_at"] = now

    @app.after_request
    def _finish(response):
        from commonpot.transaction import finish_request

        response = finish_request(response)
        _security_headers(app, response)
        return response

    @app.context_processor
    def _template_globals():
        return {"can": can, "is_admin": is_admin, "is_fund_manager": is_fund_manager,
                "is_panel_member": is_panel_member}


def _security_headers(app: Flask, response) -> None:
    form_action = "'self' " + app.config.get("CSP_FORM_ACTION_EXTRA", "")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; connect-src 'self'; form-action {form_action.strip()}; "
        "frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if app.config.get("HSTS"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint and request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store" if _is_private() else "no-cache"


def _is_private() -> bool:
    from flask_login import current_user
    return bool(current_user and current_user.is_authenticated)
