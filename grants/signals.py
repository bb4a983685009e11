"""Signals grants sends so the domains above it (payments, voting) can take part in a grants
operation without grants importing them.

Receivers run inside the sender's transaction: whatever they write commits or rolls back
with the grants change that triggered it, and a receiver refuses by raising `Refused`."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

awards_released = _signals.signal("awards-released", doc="""
Sent once per award as a round's decisions are released, before the round moves to
decided. Sender: the `Award`; keyword arguments `session` and `actor`. Payments handles it
by committing the award in the fund's ledger (and refuses when the fund cannot cover it).""")

panel_meeting_context = _signals.signal("panel-meeting-context", doc="""
Sent while the panel meeting page is built. Sender: the grants `Round`; keyword argument
`session`. Each receiver returns a dict of extra template values (the resident vote adds
`voting_rounds` and `vote_outcomes`).""")

report_accepted = _signals.signal("report-accepted", doc="""
Sent when a fund manager accepts an end-of-grant report. Sender: the `GrantReport`; keyword
arguments `session` and `actor`. Payments handles it by releasing the award's instalment
held for the report (payments/report_hold.py).""")
