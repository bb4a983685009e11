"""Journeys in a real browser: the app served over HTTP on a free loopback port, against a
freshly migrated database (the suite's own `database_url`: a copy of the migrated SQLite
template, or the truncated PostgreSQL scratch database), driven by Debian's Chromium through
Playwright. One browser for the whole session; each journey gets its own server and contexts.

Screenshots of every page a journey checks go to $JOURNEY_ARTIFACTS (default: the pytest
temporary directory, `journeys/` under it), one folder per test."""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from commonpot.extensions import db
from tests.journeys.browsing import Tour
from tests.payments.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage",
               # A page checked in a second tab must run at full speed: axe waits on timers,
               # which Chromium otherwise slows to once a second in background tabs.
               "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
               "--disable-renderer-backgrounding"]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, launched once per session (never a downloaded browser)."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts_root(tmp_path_factory) -> Path:
    configured = os.environ.get("JOURNEY_ARTIFACTS")
    root = Path(configured) if configured else tmp_path_factory.getbasetemp() / "journeys"
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def fake_stripe():
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config,
            # A journey signs in several people from one address: the limits stay on, but
            # wide enough for a test's own sign-ins.
            "LOGIN_LIMIT_PER_ADDRESS": "200 per minute", "REGISTER_LIMIT_PER_ADDRESS": "50 per minute",
            "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_PUBLISHABLE_KEY": "pk_test_fake",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": fake_stripe.base_url,
            "STRIPE_MAX_NETWORK_RETRIES": 0,
            # The form that starts Checkout may hand over to the (fake) Stripe payment page.
            "CSP_FORM_ACTION_EXTRA": fake_stripe.base_url}


@pytest.fixture
def server(app):
    """The app on http://127.0.0.1:<free port>; emailed links point at it."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{httpd.server_port}"
    app.config.update(SERVER_NAME=f"127.0.0.1:{httpd.server_port}", PUBLIC_BASE_URL=base)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def data(app):
    """Arrange through the domain in a short transaction of its own (never held across a
    browser step: SQLite would lock the server out)."""

    @contextmanager
    def scope():
        with app.app_context():
            try:
                yield db.session
                db.session.commit()
            finally:
                db.session.remove()

    return scope


@pytest.fixture
def tour(request, chromium, server, app, artifacts_root):
    """The journey's browser work: visitors, checks on every page, screenshots."""
    name = request.node.name.replace("[", "-").replace("]", "")
    folder = artifacts_root / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    journey = Tour(chromium, server, app, folder)
    yield journey
    journey.close()
