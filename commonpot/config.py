"""Configuration from the environment (twelve-factor), with an override for tests."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

# The well-known development key. Production refuses to start with it.
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production


# Every value COMMONPOT_ENV may take; anything else (even "Production") stops the app, so a
# typo can never quietly run a live site in development mode.
KNOWN_ENVIRONMENTS = ("development", "production", "testing")
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT_CHARACTERS = 12


class ConfigError(RuntimeError):
    """The environment does not describe a safe, usable configuration."""


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ.get("COMMONPOT_ENV", "development")
    if env not in KNOWN_ENVIRONMENTS:
        raise ConfigError(f"COMMONPOT_ENV={env!r} is not one of {', '.join(KNOWN_ENVIRONMENTS)} "
                          "(lower case). Refusing to guess.")
    production = env == "production"
    default_db = "sqlite:///" + str(Path(instance_path) / "commonpot.sqlite")
    redis_url = os.environ.get("REDIS_URL")
    config = {
        "ENV_NAME": env,
        "PRODUCTION": production,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", default_db)
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Every absolute link (emails, Stripe return addresses) is built from this, never from
        # the request's Host header. Required in production.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or (None if production
                                                                 else "http://127.0.0.1:5000"),
        # Host names requests may use (Flask answers 400 to any other). Production defaults to
        # the host of PUBLIC_BASE_URL; development accepts any.
        "TRUSTED_HOSTS": _list("TRUSTED_HOSTS") or None,
        # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none).
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Cookies: Secure everywhere except plain-http local development and tests.
        "SESSION_COOKIE_SECURE": _bool("COOKIE_SECURE", production),
        "REMEMBER_COOKIE_SECURE": _bool("COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # The __Host- prefix pins the cookie to this exact host, HTTPS and path "/".
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        # A session ends after this long without a request, and this long after sign-in.
        "SESSION_IDLE_TIMEOUT": _int("SESSION_IDLE_TIMEOUT", 60 * 60 * 2),
        "SESSION_ABSOLUTE_TIMEOUT": _int("SESSION_ABSOLUTE_TIMEOUT", 60 * 60 * 12),
        "WTF_CSRF_TIME_LIMIT": None,  # a long form must not expire under a volunteer's hands
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        # The job queue (commonpot.jobs): RQ on this Redis; unset runs jobs in-process.
        "JOBS_REDIS_URL": redis_url,
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json" if production else "text"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis unreachable: keep limiting in each process's memory and log a warning.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Failed sign-ins allowed before each account (or address) is slowed down; the delay
        # then doubles with each further failure, up to LOGIN_DELAY_MAX_SECONDS.
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes"),
        "LOGIN_DELAY_BASE_SECONDS": _int("LOGIN_DELAY_BASE_SECONDS", 60),
        "LOGIN_DELAY_MAX_SECONDS": _int("LOGIN_DELAY_MAX_SECONDS", 15 * 60),
        "UNLOCK_TOKEN_MAX_AGE": 60 * 60,
        "RESET_LIMIT_PER_ACCOUNT": os.environ.get("RESET_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "RESET_LIMIT_PER_ADDRESS": os.environ.get("RESET_LIMIT_PER_ADDRESS", "20 per 15 minutes"),
        "REGISTER_LIMIT_PER_ADDRESS": os.environ.get("REGISTER_LIMIT_PER_ADDRESS", "10 per hour"),
        "BALLOT_LIMIT_PER_ACCOUNT": os.environ.get("BALLOT_LIMIT_PER_ACCOUNT", "10 per minute"),
        "DONATION_LIMIT_PER_ADDRESS": os.environ.get("DONATION_LIMIT_PER_ADDRESS", "10 per minute"),
        # Retention (days): how long personal data is kept before `commonpot privacy sweep`
        # removes it.
        "RETENTION_SIGN_IN_DAYS": _int("RETENTION_SIGN_IN_DAYS", 90),
        "RETENTION_OUTBOX_DAYS": _int("RETENTION_OUTBOX_DAYS", 30),
        "RETENTION_UNSUCCESSFUL_APPLICATION_DAYS": _int("RETENTION_UNSUCCESSFUL_APPLICATION_DAYS",
                                                        730),
        "RETENTION_VOTER_DETAILS_DAYS": _int("RETENTION_VOTER_DETAILS_DAYS", 365),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Commonpot <no-reply@commonpot.invalid>"),
        "EMAIL_TOKEN_MAX_AGE": 60 * 60 * 48,
        "RESET_TOKEN_MAX_AGE": 60 * 60,
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY"),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY"),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_CONNECT_CLIENT_ID": os.environ.get("STRIPE_CONNECT_CLIENT_ID"),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE"),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "VOTING_CODE_KEY": os.environ.get("VOTING_CODE_KEY"),
        "VOTING_CENSUS_KEY": os.environ.get("VOTING_CENSUS_KEY"),
        # The audit log: its signing key (never in the database), or a file holding it; the
        # origin line its checkpoints carry; the key behind people's pseudonyms.
        "AUDIT_SIGNING_KEY": os.environ.get("AUDIT_SIGNING_KEY"),
        "AUDIT_SIGNING_KEY_FILE": os.environ.get("AUDIT_SIGNING_KEY_FILE"),
        "AUDIT_LOG_ORIGIN": os.environ.get("AUDIT_LOG_ORIGIN"),
        "AUDIT_PSEUDONYM_KEY": os.environ.get("AUDIT_PSEUDONYM_KEY"),
        "HSTS": production,
        # Open data: grant ids use the funder's own 360Giving prefix; this is the fallback for a
        # funder without one. The licence and publisher name go into every 360Giving package.
        "OPEN_DATA_360G_PREFIX": os.environ.get("OPEN_DATA_360G_PREFIX", "360G-commonpot"),
        "OPEN_DATA_LICENSE": os.environ.get("OPEN_DATA_LICENSE",
                                            "https://creativecommons.org/licenses/by/4.0/"),
        "OPEN_DATA_PUBLISHER": os.environ.get("OPEN_DATA_PUBLISHER", "Commonpot"),
        # Extra origins allowed as form targets (Stripe Checkout redirects after a POST).
        "CSP_FORM_ACTION_EXTRA": os.environ.get("CSP_FORM_ACTION_EXTRA", "https://checkout.stripe.com"),
    }
    if overrides:
        config.update(overrides)
    if config["PRODUCTION"]:
        _check_production(config)
    if config["PRODUCTION"] and not config.get("TRUSTED_HOSTS"):
        config["TRUSTED_HOSTS"] = [urlsplit(config["PUBLIC_BASE_URL"]).hostname]
    return config


def _check_production(config: dict) -> None:
    """Refuse to start a live site that is not safe to run."""
    key = config["SECRET_KEY"] or ""
    if key == DEFAULT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH \
            or len(set(key)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS:
        raise ConfigError(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} varied random characters in "
            "production (for example: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    base = config.get("PUBLIC_BASE_URL") or ""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("PUBLIC_BASE_URL must be set in production to the site's address, "
                          "like https://commonpot.example.org; every emailed link is built from it.")
    if not config.get("REDIS_URL") and config.get("RATELIMIT_STORAGE_URI", "").startswith("memory"):
        raise ConfigError("REDIS_URL must be set in production so every worker shares one set of "
                          "rate limits.")


def normalise_database_url(url: str) -> str:
    """Let people paste the URLs hosting providers give (postgres://...) and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
