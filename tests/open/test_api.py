"""The read-only open API: every route is in the OpenAPI description, every response
matches it (a schemathesis run, property-based), and reads are paginated, cacheable and
open to any origin."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from commonpot.api import ENDPOINTS
from tests.open.conftest import assert_valid, validators


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_api_route_is_described_and_every_description_is_a_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    routes = {_openapi_path(r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    assert routes == set(spec["paths"])
    for path, item in spec["paths"].items():
        assert set(item) == {"get"}, path
        assert "200" in item["get"]["responses"]


def test_the_description_is_a_valid_openapi_31_document(client):
    import schemathesis

    spec = client.get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(spec["paths"])


def test_every_response_matches_the_description(app, api_world):
    """Schemathesis generates requests from the description (valid and edge-case
    parameters) and checks status codes, headers and bodies against it."""
    import schemathesis

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checked = set()
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=15, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate()

        check()
        checked.add(operation.path)
    # Every resource (schemathesis leaves out the description's own path).
    assert checked == {f"/api/v1{e.path}" for e in ENDPOINTS}


def _validate_against_spec(spec: dict, path: str, body: dict) -> None:
    """Validate a response body with the 200 schema the description gives for `path`."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource("urn:spec", Resource(contents=spec, specification=DRAFT202012))
    schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    rewritten = _rebase(schema)
    validator = Draft202012Validator(rewritten, registry=registry)
    assert_valid(validator, body)


def _rebase(node):
    if isinstance(node, dict):
        return {k: ("urn:spec" + v if k == "$ref" and v.startswith("#") else _rebase(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def test_real_data_matches_the_description_and_the_360giving_schema(client, api_world):
    spec = client.get("/api/v1/openapi.json").get_json()
    _package, grant_validator = validators()
    pages = {
        "/api/v1/funds": "/api/v1/funds",
        f"/api/v1/funds/{api_world.fund_slug}": "/api/v1/funds/{slug}",
        "/api/v1/rounds": "/api/v1/rounds",
        f"/api/v1/rounds/{api_world.round_slug}": "/api/v1/rounds/{slug}",
        "/api/v1/grants": "/api/v1/grants",
        "/api/v1/voting-rounds": "/api/v1/voting-rounds",
        f"/api/v1/voting-rounds/{api_world.voting_round_id}": "/api/v1/voting-rounds/{round_id}",
        f"/api/v1/voting-rounds/{api_world.voting_round_id}/results":
            "/api/v1/voting-rounds/{round_id}/results",
        "/api/v1/audit/checkpoint": "/api/v1/audit/checkpoint",
    }
    for url, path in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        _validate_against_spec(spec, path, response.get_json())
    grants = client.get("/api/v1/grants").get_json()["data"]
    assert {g["recipientOrganization"][0]["name"] for g in grants} == {"Riverside Gardeners",
                                                                      "Canal Rowing Club"}
    for grant in grants:
        assert_valid(grant_validator, grant)
    rowers = next(g for g in grants if g["title"] == "Rowing for everyone")
    assert rowers["recipientOrganization"][0]["id"] == "GB-CHC-1234567"
    assert rowers["amountAwarded"] == 600 and rowers["amountAppliedFor"] == 900
    decided = client.get(f"/api/v1/rounds/{api_world.round_slug}").get_json()["data"]
    assert decided["outcome"] == {"awards": 2, "awarded_pence": 160_000, "received": 3,
                                  "declined": 1, "ineligible": 0}
    fund = client.get(f"/api/v1/funds/{api_world.fund_slug}").get_json()["data"]
    assert fund["awarded_pence"] == 160_000 and fund["raised_pence"] == 0 and fund["paid_pence"] == 0


def test_pages_link_to_each_other_and_count_everything(client, db_scope, open_world):
    from tests.open.test_giving360 import add_generated_awards

    with db_scope() as s:
        add_generated_awards(s, 7)
    first = client.get("/api/v1/grants?per_page=4").get_json()
    assert first["meta"] == {"page": 1, "per_page": 4, "total": 9, "pages": 3}
    assert first["links"]["prev"] is None
    seen = [g["id"] for g in first["data"]]
    link = first["links"]["next"]
    while link:
        page = client.get(link).get_json()
        seen += [g["id"] for g in page["data"]]
        link = page["links"]["next"]
    assert len(seen) == len(set(seen)) == 9
    filtered = client.get("/api/v1/grants?q=rowing").get_json()
    assert filtered["meta"]["total"] == 1
    assert client.get("/api/v1/grants?per_page=100000").get_json()["meta"]["per_page"] == 200


def test_bad_parameters_and_unknown_things_get_json_errors(client, open_world):
    for url in ("/api/v1/grants?page=0", "/api/v1/grants?page=two", "/api/v1/funds?per_page=-1",
                "/api/v1/grants?year=nineteen"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.get_json()["error"]["status"] == 400
    # A NUL character (which PostgreSQL refuses in text) is a clear 400 or 404, never a 500.
    assert client.get("/api/v1/grants?q=a%00b").status_code == 400
    # The edge refuses control characters in any query with a plain 400 (commonpot/edge.py).
    assert client.get("/awards?q=a%00b&area=%00").status_code == 400
    assert client.get("/funds/a%00b").status_code == 404
    for url in ("/api/v1/funds/no-such-fund", "/api/v1/rounds/no-such-round",
                "/api/v1/voting-rounds/999999", "/api/v1/voting-rounds/abc/results",
                "/api/v1/funds/a%00b", "/api/v1/rounds/%00"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.is_json


def test_etags_answer_304_until_the_data_changes(client, db_scope, open_world):
    first = client.get("/api/v1/grants")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get("/api/v1/grants", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    with db_scope() as s:
        from grants.models import Award

        award = s.scalars(select(Award)).first()
        award.amount_pence -= 1
    changed = client.get("/api/v1/grants", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_any_origin_may_read(client, open_world):
    response = client.get("/api/v1/funds", headers={"Origin": "https://example.net"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/funds", headers={
        "Origin": "https://example.net", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    # Reads only: nothing in the API accepts a write.
    assert client.post("/api/v1/funds").status_code == 405


def test_the_audit_checkpoint_shows_the_logs_head_and_no_payload(client, db_scope, open_world):
    from commonpot import audit

    with db_scope() as s:  # the log signs checkpoints at phase changes and from cron
        audit.sign_checkpoint(s, "test")
    body = client.get("/api/v1/audit/checkpoint").get_json()["data"]
    with db_scope() as s:
        latest = audit.latest_checkpoint(s)
        size = getattr(latest, "tree_size", None) or latest.seq
    assert body["size"] == size
    assert set(body) == {"kind", "size", "root_hash", "note", "at", "verify_url"}
