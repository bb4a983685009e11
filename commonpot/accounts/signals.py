"""Signals the accounts pages send so a domain can supply what the platform does not own.

Per-fund roles point at grants' funds, but the platform does not import grants: the
administration page asks for the funds to offer through `fund_choices`, and the "Your work"
page asks each domain for its part through `dashboard_sections`."""

from __future__ import annotations

from dataclasses import dataclass, field

from blinker import Namespace

_signals = Namespace()

fund_choices = _signals.signal("fund-choices", doc="""
Sent while the administration page offers fund roles. Sender: the session. Each receiver
returns a list of (fund id, fund name) pairs.""")


def funds_to_offer(session) -> list[tuple[int, str]]:
    choices: list[tuple[int, str]] = []
    for _receiver, pairs in fund_choices.send(session):
        choices.extend(pairs or [])
    return choices


dashboard_sections = _signals.signal("dashboard-sections", doc="""
Sent while the "Your work" page is built. Sender: the signed-in user; keyword argument
`session`. Each receiver returns a `DashboardSection` (or None when the person has no part
in that domain); each section is rendered with its own template.""")


@dataclass
class DashboardSection:
    """One part of "Your work": a heading, the template that lists `items`, and what to say
    when there are none. Sections are shown in `order`."""

    order: int
    title: str
    template: str
    items: list = field(default_factory=list)
    empty: str = ""


def sections_for(session, user) -> list[DashboardSection]:
    sections = [section for _receiver, section in dashboard_sections.send(user, session=session)
                if section is not None]
    return sorted(sections, key=lambda s: s.order)
