"""Signals the accounts pages send so a domain can supply what the platform does not own.

Per-fund roles point at grants' funds, but the platform does not import grants: the
administration page asks for the funds to offer through `fund_choices`."""

from __future__ import annotations

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
