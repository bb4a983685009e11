"""One way for a view to load the object a URL names and check the person may use it.

`load_or_404(Model, key, "domain.rule")` answers 404 when there is no such object, then
asks the policy (`can`) and answers 401 to a visitor who is not signed in, 403 to anyone
else it refuses. Views use this instead of writing their own loaders, so a page cannot
forget the rule and every refusal looks the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from commonpot.accounts.policy import can, require
from commonpot.extensions import db

T = TypeVar("T")


def load_or_404(model: type[T], key: Any, rule: str | None = None, *, by=None,
                subject: Callable[[T], Any] | None = None, hide_refusal: bool = False) -> T:
    """Load `model` by primary key (or by the column `by`), then apply the policy `rule`.

    `subject` turns the object into what the rule is written for (some rules take an id).
    `hide_refusal` answers 404 instead of 401/403, for objects whose very existence is not
    public (an unpublished voting round)."""
    if by is None:
        obj = db.session.get(model, key)
    else:
        obj = db.session.scalar(select(model).where(by == key))
    if obj is None:
        abort(404)
    if rule is not None:
        allowed = can(current_user, rule, subject(obj) if subject else obj)
        if hide_refusal and not allowed:
            abort(404)
        require(allowed)
    return obj
