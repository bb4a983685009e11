"""Long lists shown a page at a time: two queries (a count and one page of rows), whatever
the list's length, and plain ?page= links that work without JavaScript.

A view calls `paginate(session, query)` with a `select()` that already has its ORDER BY and
its eager loading; the template shows `page.items` and the `pager(...)` macro from
macros.html. A page number past the end shows the last page; nonsense (?page=abc, ?page=-1,
?page=99999999999) shows the first or the last, never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

PER_PAGE = 50
_MAX_PAGE_DIGITS = 6


@dataclass
class Page:
    items: Sequence[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_number(self) -> int:
        """The position (from 1) of this page's first row, for "Showing 51 to 100 of 230"."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_number(self) -> int:
        return min(self.page * self.per_page, self.total)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return self.total > 0


def page_number(name: str = "page") -> int:
    """The page asked for in the query string, from 1; anything else is page 1."""
    if not has_request_context():
        return 1
    raw = request.args.get(name, "")
    if raw.isdigit() and len(raw) <= _MAX_PAGE_DIGITS:
        return max(1, int(raw))
    return 1


def paginate(session: Session, query: Select, *, page: int | None = None,
             per_page: int = PER_PAGE, scalars: bool = True) -> Page:
    """One page of `query`'s rows (ORM objects when `scalars`, else rows) and the total."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    number = min(page if page is not None else page_number(), pages)
    window = query.limit(per_page).offset((number - 1) * per_page)
    result = session.scalars(window) if scalars else session.execute(window)
    return Page(items=list(result.unique().all() if scalars else result.all()), page=number,
                per_page=per_page, total=total)


def page_of(items: Sequence[Any], *, page: int | None = None, per_page: int = PER_PAGE) -> Page:
    """A page of a list already in memory (small lists the view built itself)."""
    total = len(items)
    pages = max(1, -(-total // per_page))
    number = min(page if page is not None else page_number(), pages)
    start = (number - 1) * per_page
    return Page(items=list(items[start:start + per_page]), page=number, per_page=per_page,
                total=total)
