"""The read-only open API at /api/v1 (see registry.py for how a domain adds a resource).

The platform owns the machinery and the audit checkpoint; grants, voting and the other
domains register their own resources from their own `api` modules, which the app factory
imports before it registers `bp`."""

from commonpot.api import audit, spec  # noqa: F401 - the platform's own resources
from commonpot.api.registry import (
    ENDPOINTS,
    SCHEMAS,
    PageRequest,
    Query,
    bp,
    resource,
    schema,
)

__all__ = ["ENDPOINTS", "SCHEMAS", "PageRequest", "Query", "bp", "resource", "schema"]
