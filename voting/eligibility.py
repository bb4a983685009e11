"""Who may vote online, and where: residents' details, age on polling day, home district."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot import postcodes
from commonpot.db import utcnow
from commonpot.i18n import _
from voting.errors import NotEligible, VotingError
from voting.models import (
    District,
    ResidentDetails,
    RoundPostcode,
    VotingRound,
)
from voting.proposals import _district_of

# --- eligibility -------------------------------------------------------------------------

def set_resident_details(session: Session, user, *, postcode: str, date_of_birth: date,
                         family_name: str | None = None) -> ResidentDetails:
    normalised = postcodes.normalise(postcode)
    if normalised is None:
        raise VotingError(_("Enter a full UK postcode, like RT1 2AB."))
    if date_of_birth >= date.today():
        raise VotingError(_("Your date of birth must be in the past."))
    details = session.scalar(select(ResidentDetails).where(ResidentDetails.user_id == user.id))
    family_name = (family_name or "").strip() or None
    if details is None:
        details = ResidentDetails(user_id=user.id, postcode=normalised, date_of_birth=date_of_birth,
                                  family_name=family_name)
        session.add(details)
    else:
        details.postcode, details.date_of_birth = normalised, date_of_birth
        if family_name is not None:
            details.family_name = family_name
    session.flush()
    return details


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def resident_details(session: Session, user) -> ResidentDetails | None:
    return session.scalar(select(ResidentDetails).where(ResidentDetails.user_id == user.id))


def online_district(session: Session, voting_round: VotingRound, user) -> District:
    """The district this account votes in, or NotEligible saying why not."""
    if not voting_round.allow_online:
        raise NotEligible(_("This vote does not take online votes. Use your voting code or a paper ballot."))
    if not user.is_verified:
        raise NotEligible(_("Verify your email address before you vote: follow the link we emailed you."))
    # The person's details and their postcode's district in this round: one query.
    found = session.execute(
        select(ResidentDetails, RoundPostcode.district_id)
        .outerjoin(RoundPostcode, (RoundPostcode.round_id == voting_round.id)
                   & (RoundPostcode.postcode == ResidentDetails.postcode))
        .where(ResidentDetails.user_id == user.id)).first()
    if found is None:
        raise NotEligible(_("Tell us your postcode and date of birth before you vote."))
    details, district_id = found
    if district_id is None:
        raise NotEligible(_("The postcode %(postcode)s is not in the area of this vote, so you cannot "
                            "vote in it. If you have moved, update your postcode.",
                            postcode=details.postcode))
    if age_on(details.date_of_birth, utcnow().date()) < voting_round.minimum_age:
        raise NotEligible(_("You must be %(age)s or older to vote in this round.",
                            age=voting_round.minimum_age))
    if voting_round.requires_census:
        from voting.census import resident_entry

        resident_entry(session, voting_round, user)  # NotEligible unless on the list
    return _district_of(voting_round, district_id)


