"""No input gives a 5xx: generated values posted to every form and query parameter.

As each kind of person (the access matrix's world and roles), the walk opens every page it
knows, reads every form on it, and posts to each form (and to every POST route) values that
break careless code: NUL and other control characters, numbers beyond BIGINT, `1e9`,
`Infinity`, long and odd Unicode, and lists where one value is expected. Every query
parameter the code reads gets the same values, and every route is opened with ids beyond
BIGINT and paths with NUL. Hypothesis generates further values per form (a few examples
each, no shrinking, so the whole walk stays within a few minutes).

A failure lists every request that answered 5xx, with the values that caused it.
"""

from __future__ import annotations

import inspect
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.access import ROLES
from tests.helpers import PASSWORD, sign_in
from tests.test_access_matrix import _expectations, build_world

ROOT = Path(__file__).resolve().parents[1]

NASTY = [
    "\x00", "a\x00b", "\x1b[31m", "9" * 25, "-" + "9" * 25, "1e9", "Infinity", "NaN", "-1", "0",
    "1.5", "", " ", "ｆｕｌｌｗｉｄｔｈ", "\u202e\u0645\u0631\u062d\u0628\u0627" * 60, "😀" * 300,
    "x" * 5000, "<script>alert(1)</script>", "' OR 1=1 --", "%00", "../../etc/passwd",
    "2026-02-30", "99999-12-31", "£-5", "1,2,3",
]
# Posted to every field of every form at once; hypothesis mixes the rest per field.
FORM_NASTY = ["\x00", "9" * 25, "-" + "9" * 25, "1e9", "Infinity", "NaN", "", "x" * 5000,
              "😀" * 300, "2026-02-30", "99999-12-31 25:61"]

VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=400),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
)
# A field may come once, several times, or not at all (wrong types: a list for a scalar).
FIELD_VALUE = st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3))

# These end the walker's own sessions or erase the walker; they take no input of their own.
SKIP_POSTS = {"accounts.logout", "accounts.admin_end_sessions"}


def _query_parameters() -> list[str]:
    """Every query parameter the code reads (request.args.get("x"), request.args["x"] or
    query_int("x"))."""
    names = set()
    for package in ("commonpot", "grants", "voting", "payments"):
        for path in (ROOT / package).rglob("*.py"):
            names |= set(re.findall(r"(?:request\.args(?:\.get\(|\[)|query_int\()\s*\"(\w+)\"",
                                    path.read_text()))
    return sorted(names)


class _Forms(HTMLParser):
    """The forms on a page: (action, method, field names)."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[tuple[str, str, set[str]]] = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urljoin(self.page_url, attrs.get("action") or self.page_url)
            self._current = (action, (attrs.get("method") or "get").upper(), set())
            self.forms.append(self._current)
        elif tag in ("input", "select", "textarea", "button") and self._current and attrs.get("name"):
            self._current[2].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def app_config(app_config):
    # Values must reach the forms' validation: no CSRF refusal, no rate limit in the way.
    # Stripe's webhook configured, so it answers bad bodies (not "payments are not set up").
    return {**app_config, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
            "STRIPE_WEBHOOK_SECRET": "whsec_fuzz"}


def _browser(app, world, role):
    browser = app.test_client()
    if role != "anonymous":
        sign_in(browser, world["emails"][role], PASSWORD)
    return browser


def _send(browser, method, url, data, failures, role):
    response = browser.open(url, method=method, data=data)
    if response.status_code >= 500:
        failures.append(f"{response.status_code} as {role}: {method} {url} {data!r}"[:600])
    return response


def test_no_form_or_query_value_gives_a_5xx(app, make_user):
    world = build_world(app, make_user)
    rules = _expectations()
    parameters = _query_parameters()
    # The views that read the query string (the others never see it).
    query_readers = {endpoint for endpoint, view in app.view_functions.items()
                     if re.search(r"request\.args|query_int\(", inspect.getsource(inspect.unwrap(view)))}
    assert {"public.audit_events", "accounts.login", "voting.show_board"} <= query_readers
    failures: list[str] = []
    for role in ROLES:
        browser = _browser(app, world, role)
        targets: dict[tuple[str, str], set[str]] = {}
        for endpoint, rule in sorted(rules.items()):
            url = rule.url(world) if callable(rule.url) else rule.url
            if rule.method == "POST":
                if endpoint not in SKIP_POSTS:
                    targets.setdefault(("POST", url), set())
                continue
            page = _send(browser, "GET", url, None, failures, role)
            if endpoint in query_readers:
                # Every query parameter the code reads, with every nasty value.
                for value in NASTY:
                    _send(browser, "GET", url + "?" + urlencode({p: value for p in parameters}),
                          None, failures, role)
            if page.status_code != 200 or "html" not in page.content_type:
                continue
            parser = _Forms("http://commonpot.test" + url)
            parser.feed(page.get_data(as_text=True))
            for action, method, fields in parser.forms:
                if urlsplit(action).netloc != "commonpot.test":
                    continue
                targets.setdefault((method, _path(action)), set()).update(fields)
        skip_urls = {(r.url(world) if callable(r.url) else r.url)
                     for e, r in rules.items() if e in SKIP_POSTS}
        for (method, url), fields in sorted(targets.items()):
            if urlsplit(url).path in skip_urls:
                continue
            fields = (fields - {"csrf_token"}) or {"value"}
            # Every field at once holding each nasty value ...
            for value in FORM_NASTY:
                _send(browser, method, url, {name: value for name in fields}, failures, role)
            # ... and generated mixtures, a different value per field.
            _fuzz(browser, method, url, sorted(fields), failures, role)
            if role != "anonymous" and browser.get("/account").status_code != 200:
                browser = _browser(app, world, role)  # a post ended the session: sign in again
    assert not failures, f"{len(failures)} requests answered 5xx:\n" + "\n".join(failures[:80])


def _fuzz(browser, method, url, fields, failures, role):
    @settings(max_examples=3, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({name: FIELD_VALUE for name in fields}))
    def post_generated(values):
        _send(browser, method, url, values, failures, role)

    post_generated()


def _nasty_path(rule) -> list[str]:
    """The rule's path with each argument replaced by out-of-range or unstorable values."""
    paths = []
    for replacement_int, replacement_text in (("99999999999999999999", quote("\x00")),
                                              ("9223372036854775808", "x" * 3000),
                                              ("0", quote("😀\u202e" * 40))):
        path = re.sub(r"<int:[^>]+>", replacement_int, rule.rule)
        path = re.sub(r"<[^>]+>", replacement_text, path)
        paths.append(path)
    return paths


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_no_route_id_or_path_value_gives_a_5xx(app, make_user, role):
    world = build_world(app, make_user) if role != "anonymous" else None
    browser = _browser(app, world, role) if world else app.test_client()
    failures: list[str] = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint in SKIP_POSTS or not rule.arguments:
            continue
        for path in _nasty_path(rule):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                _send(browser, method, path, {"value": "1"} if method == "POST" else None,
                      failures, role)
    assert not failures, f"{len(failures)} requests answered 5xx:\n" + "\n".join(failures[:80])
