"""Expected access for every route, one module per package (see test_access_matrix.py).

Each module defines:
- EXPECT: {endpoint: Rule(url=..., allowed={roles}, method="GET", data=None)}, or a tuple of
  Rules, one per method, for a route that takes several (`both(rule)` adds the POST half).
  `url` is a string or a function of the world dict; `allowed` names the roles that may
  reach it (the others must be refused: 403, or sent to sign in when anonymous). Every
  method a route accepts needs its Rule, and any 5xx answer fails the walk.
- optionally build(session, world): add the objects its URLs need to `world`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

# group_member administers the world's group; plain_member belongs to it without admin
# rights; other_manager manages a different fund; steward keys paper ballots.
ROLES = ("anonymous", "resident", "group_member", "plain_member", "panel_member",
         "fund_manager", "other_manager", "steward", "admin")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
ADMIN_ONLY = frozenset({"admin"})
MANAGERS = frozenset({"fund_manager", "admin"})
ANY_MANAGER = MANAGERS | {"other_manager"}


@dataclass(frozen=True)
class Rule:
    url: str | Callable[[dict], str]
    allowed: frozenset
    method: str = "GET"
    data: dict | Callable[[dict], dict] | None = field(default=None)
    # Statuses that count as "refused" besides 401/403 and the sign-in redirect
    # (e.g. 404 where a route hides that an object exists).
    refused_also: tuple[int, ...] = ()
    # The request ends the signed-in person's sessions (sign-out): the walk signs them in again.
    ends_sessions: bool = False


def both(rule: Rule, **post) -> tuple[Rule, Rule]:
    """The GET rule of a page with a form, and its POST half (same people, unless `post`
    says otherwise; an empty form is enough to reach the view)."""
    return rule, replace(rule, method="POST", **post)
