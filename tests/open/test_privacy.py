"""Nothing private is ever published: seed private values (a declined group's name in a
round that keeps it private, reviewers' notes and score comments, feedback, a withdrawal
reason, conflict details, email addresses, phone numbers, application answers), then crawl
every public page and API response an anonymous visitor can reach and search them all."""

from __future__ import annotations

import json
import re
from collections import deque
from urllib.parse import urlsplit

from tests.open.conftest import PRIVATE

# The raw audit feed publishes payloads as recorded today, including free-text reasons;
# making it public-safe is the audit issue's work (#16: public/private fields). Remove this
# exclusion once that has landed.
NOT_CRAWLED_HERE = {"public.audit_events"}
_HREF = re.compile(r'href="([^"#]+)')


def _links_in_json(value, found: list[str]) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _links_in_json(item, found)
    elif isinstance(value, list):
        for item in value:
            _links_in_json(item, found)
    elif isinstance(value, str) and (value.startswith("/") or value.startswith("http")):
        found.append(value)


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc and parts.netloc not in ("commonpot.test", "127.0.0.1:5000"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not path.startswith("/") or path.startswith(("/static", "/logout")):
        return None
    return path


def _deep_page(url: str) -> bool:
    match = re.search(r"[?&]page=(\d+)", url)
    return bool(match) and int(match.group(1)) > 2


def crawl(app, client, seeds: list[str], limit: int = 600) -> dict[str, str]:
    """{url: body} of every page reachable from `seeds` that answers 200."""
    adapter = app.url_map.bind("commonpot.test")
    queue, seen, pages = deque(seeds), set(seeds), {}
    while queue and len(pages) < limit:
        url = queue.popleft()
        try:
            endpoint, _args = adapter.match(urlsplit(url).path, method="GET")
        except Exception:  # noqa: BLE001 - not one of our routes (or not a GET)
            continue
        if endpoint in NOT_CRAWLED_HERE:
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue
        body = response.get_data(as_text=True)
        pages[url] = body
        links: list[str] = []
        if response.is_json:
            _links_in_json(json.loads(body), links)
        elif response.mimetype == "text/html":
            links = [link.replace("&amp;", "&") for link in _HREF.findall(body)]
        for link in links:
            local = _local(link)
            # Long lists: the first pages show the shape; every page would be the same shape.
            if local and local not in seen and not _deep_page(local):
                seen.add(local)
                queue.append(local)
    return pages


def _seeds(app, world) -> list[str]:
    seeds = [rule.rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"]
    seeds += [f"/grants/rounds/{world.round_slug}", f"/grants/rounds/{world.round_slug}/statistics",
              f"/funds/{world.fund_slug}", f"/vote/{world.voting_round_id}",
              f"/vote/{world.voting_round_id}/results", "/open-data/360giving.json",
              "/open-data/360giving.csv"]
    return seeds


def test_no_private_value_appears_on_any_public_page_or_api_response(app, client, api_world):
    pages = crawl(app, client, _seeds(app, api_world))
    # The crawl reached what matters, and public facts are there to be found.
    for must in (f"/grants/rounds/{api_world.round_slug}", "/awards", "/api/v1/grants",
                 "/open-data/360giving.json", "/open-data/360giving.csv",
                 f"/api/v1/rounds/{api_world.round_slug}", "/api/v1/funds",
                 f"/api/v1/voting-rounds/{api_world.voting_round_id}/results"):
        assert must in pages, f"the crawl never reached {must}"
    assert "Riverside Gardeners" in pages[f"/grants/rounds/{api_world.round_slug}"]
    assert len(pages) > 40
    leaks = [f"{name} ({value!r}) on {url}"
             for url, body in pages.items()
             for name, value in PRIVATE.items() if value in body]
    assert not leaks, "\n".join(leaks)


def test_the_crawl_finds_a_value_once_it_is_published(app, client, db_scope, api_world):
    """The search above can fail: publish the declined names and it finds one."""
    from grants.models import Round

    with db_scope() as s:
        s.get(Round, api_world.round_id).publish_declined_names = True
    pages = crawl(app, client, _seeds(app, api_world))
    assert any(PRIVATE["declined_group"] in body for body in pages.values())
