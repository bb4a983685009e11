"""The read-only open API's machinery: one blueprint at /api/v1, and a registry of resources
that builds both the routes and the OpenAPI 3.1 description from the same declarations, so
the description cannot drift from the code.

A domain adds a resource in its own module (grants/api.py, voting/api.py, ...):

    @api.resource("/funds/{slug}", name="show_fund", schema="Fund", tag="Funds",
                  summary="One fund")
    def show_fund(slug):
        return fund_dict_or_None

    @api.resource("/funds", name="list_funds", schema="Fund", tag="Funds", paginated=True,
                  summary="Every fund", query=[api.Query("fund", "string", "...")])
    def list_funds(page, query):
        return items, total

and the app factory imports that module before registering the blueprint. Every response
is JSON with a strong ETag (304 on If-None-Match), public caching for a minute, and CORS
for reads from any origin. Nothing here knows any domain.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, Response, request, url_for

from commonpot.accounts.policy import PUBLIC, access

API_PREFIX = "/api/v1"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
CACHE_SECONDS = 60

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)


@dataclass(frozen=True)
class Query:
    """A query-string parameter a resource accepts: kind is "string" or "integer"."""

    name: str
    kind: str
    description: str
    minimum: int | None = None


@dataclass
class PageRequest:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class Endpoint:
    path: str  # OpenAPI form, relative to the prefix: /funds/{slug}
    name: str
    schema: str
    summary: str
    tag: str
    paginated: bool
    query: list[Query] = field(default_factory=list)
    description: str = ""

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


ENDPOINTS: list[Endpoint] = []
SCHEMAS: dict[str, dict] = {}


def schema(name: str, definition: dict) -> None:
    """Declare a component schema (JSON Schema 2020-12, as OpenAPI 3.1 uses)."""
    if name in SCHEMAS and SCHEMAS[name] != definition:
        raise RuntimeError(f"two API schemas named {name!r}")
    SCHEMAS[name] = definition


class BadQuery(ValueError):
    pass


def _integer(name: str, minimum: int | None = None, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise BadQuery(f"{name} must be a whole number")
    value = int(raw)
    if minimum is not None and value < minimum:
        raise BadQuery(f"{name} must be at least {minimum}")
    return value


def _page_request() -> PageRequest:
    page = _integer("page", 1, 1)
    per_page = _integer("per_page", 1, DEFAULT_PER_PAGE)
    return PageRequest(page=page, per_page=min(per_page, MAX_PER_PAGE))


def _query_values(endpoint: Endpoint) -> dict:
    values = {}
    for parameter in endpoint.query:
        if parameter.kind == "integer":
            values[parameter.name] = _integer(parameter.name, parameter.minimum)
        else:
            value = request.args.get(parameter.name, "").strip()
            # PostgreSQL refuses text holding NUL; no real name or slug contains one.
            if "\x00" in value:
                raise BadQuery(f"{parameter.name} must not contain a NUL character")
            values[parameter.name] = value
    return values


def json_response(body, status: int = 200) -> Response:
    """Canonical JSON (sorted keys) so equal data always gives an equal ETag."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    response = Response(text, status=status, mimetype="application/json")
    if status == 200:
        response.set_etag(hashlib.sha256(text.encode("utf-8")).hexdigest())
        response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        response.make_conditional(request)
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


def error(status: int, message: str) -> Response:
    return json_response({"error": {"status": status, "message": message}}, status)


def _links(endpoint: Endpoint, path_args: dict, page: PageRequest, pages: int) -> dict:
    def link(number: int) -> str:
        args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}
        return url_for(f"api.{endpoint.name}", **path_args, **args, page=number,
                       per_page=page.per_page)

    return {"self": link(page.page),
            "next": link(page.page + 1) if page.page < pages else None,
            "prev": link(page.page - 1) if 1 < page.page <= pages else None}


def resource(path: str, *, name: str, schema: str, summary: str, tag: str, paginated: bool = False,
             query: list[Query] | tuple = (), description: str = ""):
    """Register a GET resource under /api/v1 (see the module docstring)."""
    endpoint = Endpoint(path=path, name=name, schema=schema, summary=summary, tag=tag,
                        paginated=paginated, query=list(query), description=description)
    if any(e.name == name or e.path == path for e in ENDPOINTS):
        raise RuntimeError(f"API resource {name} ({path}) is registered twice")

    def decorate(fn: Callable):
        def view(**path_args):
            if any("\x00" in str(value) for value in path_args.values()):
                return error(404, "Nothing here: check the address.")
            try:
                values = _query_values(endpoint)
                page = _page_request() if paginated else None
            except BadQuery as exc:
                return error(400, str(exc))
            if paginated:
                items, total = fn(page=page, query=values, **path_args) if endpoint.query else \
                    fn(page=page, **path_args)
                pages = max(1, math.ceil(total / page.per_page))
                return json_response({
                    "data": items,
                    "meta": {"page": page.page, "per_page": page.per_page, "total": total,
                             "pages": pages},
                    "links": _links(endpoint, path_args, page, pages)})
            found = fn(query=values, **path_args) if endpoint.query else fn(**path_args)
            if found is None:
                return error(404, "Nothing here: check the address.")
            return json_response({"data": found})

        view.__name__ = name
        view.__doc__ = fn.__doc__
        rule = re.sub(r"{(\w+)}", r"<\1>", path)
        bp.add_url_rule(rule, endpoint=name, view_func=access(PUBLIC)(view), methods=["GET"])
        ENDPOINTS.append(endpoint)
        return fn

    return decorate


@bp.after_request
def _cors(response: Response) -> Response:
    """Anyone's web page may read the API: it is public and takes no credentials."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response
