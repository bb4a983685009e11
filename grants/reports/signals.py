"""Signals grants sends for the layers above it (payments releases the instalment held
for the report). Receivers run in the sender's transaction, so a failure undoes both."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# send(report, session=..., actor=...): a manager accepted an end-of-grant report.
report_accepted = _signals.signal("grants.report-accepted")
