"""WCAG 2.2 AA, checked by axe-core in a real browser (Debian's Chromium via Playwright).

The test loads the demo data, then crawls the site's own links as several kinds of person
and runs axe on every page it reaches, so each new page is checked without being listed."""

from __future__ import annotations

import shutil
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

from commonpot.demo import DEMO_PASSWORD
from tests.helpers import run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SKIP_SUFFIXES = (".csv", ".xlsx", ".json", ".pb", ".pdf", ".svg", ".txt")
PAGES_PER_PERSON = 30

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture
def app_config(app_config):
    return {**app_config, "LOGIN_LIMIT_PER_ADDRESS": "100 per minute"}


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield launched
        launched.close()


def _crawl(page, axe, base: str, start: str) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    queue = deque([start])
    while queue and len(seen) < PAGES_PER_PERSON:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(base + url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        violations = results.response["violations"]
        if violations:
            problems[url] = [f"{v['id']}: {v['help']} ({len(v['nodes'])}x: "
                             f"{v['nodes'][0]['target']})" for v in violations]
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.netloc or not href.startswith("/") or href.endswith(SKIP_SUFFIXES):
                continue
            if href not in seen:
                queue.append(href)
    assert len(seen) > 3, f"the crawl from {start} reached only {seen}"
    return problems


@pytest.mark.parametrize("email", [
    None,
    "resident@demo.commonpot.org",
    "group@demo.commonpot.org",
    "chair@demo.commonpot.org",
    "manager@demo.commonpot.org",
    "admin@demo.commonpot.org",
])
def test_pages_meet_wcag_22_aa(app, live_server, browser, email):
    from axe_playwright_python.sync_playwright import Axe

    assert run_cli(app, "seed-demo").exit_code == 0
    page = browser.new_page()
    axe = Axe()
    problems = {}
    if email:
        page.goto(live_server + "/login")
        page.fill("#email", email)
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        assert "/login" not in page.url, f"could not sign in as {email}"
    else:
        # A form with errors: the error summary and messages must be accessible too.
        page.goto(live_server + "/register")
        page.click("main button[type=submit]")
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert "There is a problem" in page.content()
        if results.response["violations"]:
            problems["/register (with errors)"] = [v["id"] for v in results.response["violations"]]
    problems.update(_crawl(page, axe, live_server, "/"))
    assert not problems, "\n".join(f"{url}: {issues}" for url, issues in problems.items())
