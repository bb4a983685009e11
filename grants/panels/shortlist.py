"""The shortlist a panel sends to a resident vote, kept as plain values for the voting domain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.i18n import _
from grants.models import Application, Round
from grants.panels.conflicts import reviewable_applications
from grants.panels.errors import PanelError
from grants.panels.models import (
    ShortlistEntry,
)
from grants.states import RoundPhase

# --- the shortlist for a resident vote ---------------------------------------------------------

def set_shortlist(session: Session, actor, round_: Round, application_ids) -> list[int]:
    """Replace the round's shortlist for a resident vote."""
    if not round_.uses_voting:
        raise PanelError(_("This round has no resident vote."))
    if round_.phase != RoundPhase.SCORING:
        raise PanelError(_("The shortlist is set at the end of panel scoring."))
    wanted = set(application_ids)
    eligible = {a.id for a in reviewable_applications(session, round_.id)}
    if not wanted <= eligible:
        raise PanelError(_("Only eligible applications can be shortlisted."))
    current = {e.application_id: e for e in session.scalars(
        select(ShortlistEntry).where(ShortlistEntry.round_id == round_.id))}
    for app_id, entry in current.items():
        if app_id not in wanted:
            session.delete(entry)
    for app_id in sorted(wanted - set(current)):
        session.add(ShortlistEntry(round_id=round_.id, application_id=app_id, added_by_id=actor.id))
    session.flush()
    audit.record(session, actor, "panels.shortlist_set", "round", round_.id,
                 {"application_ids": sorted(wanted)})
    return sorted(wanted)


def shortlist_for_vote(session: Session, round_id: int) -> list[dict]:
    """The shortlist as plain values, for the voting module to turn into proposals."""
    rows = session.scalars(select(Application).join(
        ShortlistEntry, ShortlistEntry.application_id == Application.id).where(
        ShortlistEntry.round_id == round_id).order_by(Application.id))
    return [{
        "title": a.title,
        "summary": str((a.answers or {}).get("summary", "")),
        "cost_pence": a.requested_amount_pence or 0,
        "group_id": a.group_id,
        "source_application_id": a.id,
    } for a in rows]
