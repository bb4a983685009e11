"""The OpenAPI 3.1 description of /api/v1, built from the registry at request time, and the
route that serves it. Nothing is written twice: each resource's path, parameters and
response schema come from its `resource(...)` declaration."""

from __future__ import annotations

from commonpot.accounts.policy import PUBLIC, access
from commonpot.api.registry import (
    API_PREFIX,
    DEFAULT_PER_PAGE,
    ENDPOINTS,
    MAX_PER_PAGE,
    SCHEMAS,
    bp,
    json_response,
)

_NULLABLE_STRING = {"type": ["string", "null"]}

BASE_SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["status", "message"], "additionalProperties": False,
            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}},
    },
    "PageMeta": {
        "type": "object", "required": ["page", "per_page", "total", "pages"],
        "additionalProperties": False,
        "properties": {"page": {"type": "integer", "minimum": 1},
                       "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                       "total": {"type": "integer", "minimum": 0},
                       "pages": {"type": "integer", "minimum": 1}},
    },
    "PageLinks": {
        "type": "object", "required": ["self", "next", "prev"], "additionalProperties": False,
        "properties": {"self": {"type": "string"}, "next": _NULLABLE_STRING,
                       "prev": _NULLABLE_STRING},
    },
}

_PAGE_PARAMETERS = [
    {"name": "page", "in": "query", "required": False, "description": "Page number, from 1.",
     "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999, "default": 1}},
    {"name": "per_page", "in": "query", "required": False,
     "description": f"Items per page (at most {MAX_PER_PAGE}).",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                "default": DEFAULT_PER_PAGE}},
]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(endpoint) -> dict:
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in endpoint.path_parameters]
    # Text never holds a control character and stays short (commonpot/edge.py answers 400).
    if endpoint.paginated:
        parameters += _PAGE_PARAMETERS
    for query in endpoint.query:
        schema = {"type": query.kind}
        if query.kind == "string":
            schema["pattern"] = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"
            schema["maxLength"] = 2000
        if query.minimum is not None:
            schema["minimum"] = query.minimum
            schema["maximum"] = 999_999_999
        parameters.append({"name": query.name, "in": "query", "required": False,
                           "description": query.description, "schema": schema})
    if endpoint.paginated:
        body = {"type": "object", "required": ["data", "meta", "links"], "additionalProperties": False,
                "properties": {"data": {"type": "array", "items": _ref(endpoint.schema)},
                               "meta": _ref("PageMeta"), "links": _ref("PageLinks")}}
    else:
        body = {"type": "object", "required": ["data"], "additionalProperties": False,
                "properties": {"data": _ref(endpoint.schema)}}
    responses = {
        "200": {**_json(body, "OK"),
                "headers": {"ETag": {"description": "Send it back in If-None-Match to get 304 "
                                                    "when nothing changed.",
                                     "schema": {"type": "string"}}}},
        "304": {"description": "Not modified since the ETag you sent."},
    }
    if parameters:
        responses["400"] = _json(_ref("Error"), "A query parameter is not valid.")
    if endpoint.path_parameters or not endpoint.paginated:
        responses["404"] = _json(_ref("Error"), "No such resource.")
    operation = {"operationId": endpoint.name, "summary": endpoint.summary, "tags": [endpoint.tag],
                 "responses": responses}
    if endpoint.description:
        operation["description"] = endpoint.description
    if parameters:
        operation["parameters"] = parameters
    return operation


def document() -> dict:
    paths = {f"{API_PREFIX}{e.path}": {"get": _operation(e)} for e in ENDPOINTS}
    paths[f"{API_PREFIX}/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This description", "tags": ["About"],
        "responses": {"200": _json({"type": "object", "required": ["openapi", "paths"]},
                                   "The OpenAPI 3.1 document"),
                      "304": {"description": "Not modified since the ETag you sent."}}}}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "Commonpot open data API", "version": "1.0.0",
                 "description": "Read-only public data: funds, rounds, awarded grants (in the "
                                "360Giving shape), resident votes and their results, and the "
                                "audit log's latest checkpoint. Money is in pence unless a field "
                                "follows the 360Giving standard (pounds). Responses carry an "
                                "ETag; send If-None-Match to get 304. Any origin may read.",
                 "license": {"name": "CC-BY-4.0",
                             "url": "https://creativecommons.org/licenses/by/4.0/"}},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": {**BASE_SCHEMAS, **dict(sorted(SCHEMAS.items()))}},
    }


@bp.route("/openapi.json")
@access(PUBLIC)
def openapi():
    return json_response(document())
