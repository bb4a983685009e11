"""Voting's retention rule: the postcode and date of birth a resident declared to vote."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from commonpot.privacy import retention_rule


@retention_rule("voter_details", "Residents' declared postcode and date of birth, after their "
                "last change", "RETENTION_VOTER_DETAILS_DAYS")
def voter_details(session, cutoff, dry_run: bool) -> int:
    from voting.models import ResidentDetails

    # Declared again the next time the resident votes; ballots and the roll never refer to it.
    due = ResidentDetails.updated_at < cutoff
    count = session.scalar(select(func.count()).select_from(ResidentDetails).where(due))
    if count and not dry_run:
        session.execute(delete(ResidentDetails).where(due))
    return count
