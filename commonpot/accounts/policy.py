"""The one place that decides who may do what.

Two layers, both used by views and templates:
- Route rules (`@access(...)`): every view declares who may reach it at all. The app
  refuses to start if a view has no rule, and the access-matrix test walks every route.
- `can(user, action, subject)`: object-level decisions. Each domain registers its actions
  with `@rule("grants.edit_application")` in its own policy module.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, has_app_context, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from commonpot.extensions import db

ACCESS_ATTRIBUTE = "_commonpot_access"

_ACTIONS: dict[str, Callable] = {}


def rule(action: str):
    """Register the function that decides `action`."""

    def register(fn):
        if action in _ACTIONS and _ACTIONS[action] is not fn:
            raise RuntimeError(f"two policy rules for {action!r}")
        _ACTIONS[action] = fn
        return fn

    return register


def can(user, action: str, subject=None) -> bool:
    try:
        decide = _ACTIONS[action]
    except KeyError as exc:
        raise KeyError(f"no policy rule for {action!r}") from exc
    return bool(decide(user, subject))


def require(allowed: bool) -> None:
    if not allowed:
        if not current_user.is_authenticated:
            abort(401)
        abort(403)


# --- who someone is -----------------------------------------------------------------------

def is_signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def is_admin(user) -> bool:
    return is_signed_in(user) and user.is_admin


def is_resident(user) -> bool:
    """Any verified account can take part as a resident."""
    return is_signed_in(user) and user.is_verified


def fund_ids_with_role(user, role: str) -> set[int]:
    from commonpot.accounts.models import FundRole

    if not is_signed_in(user):
        return set()
    # One query per request for all of a person's roles: the navigation bar alone asks
    # several times on every page.
    cache = g.setdefault("fund_roles_by_user", {}) if has_app_context() else {}
    if user.id not in cache:
        remember_fund_roles(user, db.session.execute(
            select(FundRole.fund_id, FundRole.role).where(FundRole.user_id == user.id)), cache)
    return set(cache[user.id].get(role, ()))


def remember_fund_roles(user, rows, cache: dict | None = None) -> None:
    """Keep a person's (fund id, role) rows for the rest of this request (the sign-in
    loader reads them with the person, in the same query)."""
    if cache is None:
        if not has_app_context():
            return
        cache = g.setdefault("fund_roles_by_user", {})
    roles: dict[str, set[int]] = {}
    for fund_id, kind in rows:
        roles.setdefault(str(getattr(kind, "value", kind)), set()).add(fund_id)
    cache[user.id] = roles


def forget_fund_roles() -> None:
    """After a role changes: the next check reads the database again."""
    if has_app_context():
        g.pop("fund_roles_by_user", None)


def has_fund_role(user, fund_id: int | None, role: str) -> bool:
    if is_admin(user):
        return True
    if fund_id is None:
        return bool(fund_ids_with_role(user, role))
    return fund_id in fund_ids_with_role(user, role)


def is_fund_manager(user, fund_id: int | None = None) -> bool:
    return has_fund_role(user, fund_id, "fund_manager")


def is_panel_member(user, fund_id: int | None = None) -> bool:
    return has_fund_role(user, fund_id, "panel_member")


# --- route rules ---------------------------------------------------------------------------

class RouteRule:
    """Who may reach a route. `check(user, view_args)` -> bool. A rule that needs a
    confirmed email address says so, so a signed-in person whose address is not confirmed
    yet is told how to confirm it rather than shown a bare refusal."""

    def __init__(self, name: str, check: Callable, *, needs_verified_email: bool = False):
        self.name = name
        self.check = check
        self.needs_verified_email = needs_verified_email

    def __repr__(self) -> str:
        return f"<RouteRule {self.name}>"


PUBLIC = RouteRule("public", lambda user, args: True)
SIGNED_IN = RouteRule("signed_in", lambda user, args: is_signed_in(user))
RESIDENT = RouteRule("resident", lambda user, args: is_resident(user), needs_verified_email=True)
ADMIN = RouteRule("admin", lambda user, args: is_admin(user))
ANY_FUND_MANAGER = RouteRule("any_fund_manager", lambda user, args: is_fund_manager(user))
ANY_PANEL_MEMBER = RouteRule(
    "any_panel_member", lambda user, args: is_panel_member(user) or is_fund_manager(user)
)
STEWARD = RouteRule("steward", lambda user, args: is_admin(user) or (
    is_signed_in(user) and user.is_steward))
# The view itself loads the object and calls require(can(...)); the route rule only
# requires a signed-in user. Used where the decision depends on a row.
OBJECT_CHECKED = RouteRule("object_checked", lambda user, args: is_signed_in(user))
# Public route whose view decides per object (e.g. a round page only once published).
PUBLIC_OBJECT_CHECKED = RouteRule("public_object_checked", lambda user, args: True)
# Machine-to-machine endpoints authenticated by a signature (Stripe webhooks).
SIGNED_REQUEST = RouteRule("signed_request", lambda user, args: True)


def access(route_rule: RouteRule):
    """Declare and enforce who may reach a view."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not route_rule.check(current_user, kwargs):
                if not current_user.is_authenticated:
                    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
                if route_rule.needs_verified_email and not current_user.is_verified:
                    return render_template("accounts/confirm_email.html"), 403
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, ACCESS_ATTRIBUTE, route_rule)
        return guarded

    return decorate


def route_rule_of(view) -> RouteRule | None:
    return getattr(view, ACCESS_ATTRIBUTE, None)


def check_every_route_has_a_rule(app) -> None:
    missing = [
        endpoint for endpoint, view in app.view_functions.items()
        if endpoint != "static" and route_rule_of(view) is None
    ]
    if missing:
        raise RuntimeError(
            "Every route needs an access rule (@access(...)); missing on: " + ", ".join(sorted(missing))
        )
