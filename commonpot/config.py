"""Configuration from the environment (twelve-factor), with an override for tests."""

from __future__ import annotations

import os
from pathlib import Path

# The well-known development key. Production refuses to start with it.
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production


class ConfigError(RuntimeError):
    """The environment does not describe a safe, usable configuration."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ.get("COMMONPOT_ENV", "development")
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
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # Cookies: Secure everywhere except plain-http local development and tests.
        "SESSION_COOKIE_SECURE": _bool("COOKIE_SECURE", production),
        "REMEMBER_COOKIE_SECURE": _bool("COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": None,  # a long form must not expire under a volunteer's hands
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes"),
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
    if config["PRODUCTION"] and config["SECRET_KEY"] in (None, "", DEFAULT_SECRET_KEY):
        raise ConfigError(
            "SECRET_KEY is missing or is the development default. "
            "Set a long random SECRET_KEY before running in production."
        )
    return config


def normalise_database_url(url: str) -> str:
    """Let people paste the URLs hosting providers give (postgres://...) and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
