"""Demo money: the demo fund's match pledge and two donations, recorded through the same
operations a confirmed Stripe payment uses (no network); the decided round's awards
committed in the ledger, with the first instalment of one paid by bank transfer, and
every instalment released for grants whose end-of-grant report is accepted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants.models import Award, Fund
from payments import donations, ledger, payouts, report_hold
from payments.models import Donation, Instalment, MatchPledge
from payments.states import InstalmentStatus

DEMO_FUND_SLUG = "rivertown-neighbourhood-fund"


def seed(session: Session) -> bool:
    fund = session.scalar(select(Fund).where(Fund.slug == DEMO_FUND_SLUG))
    if fund is None or session.scalar(select(MatchPledge.id).where(MatchPledge.fund_id == fund.id)):
        return False
    donations.pledge_match(session, "system", fund, funder_name="Rivertown Town Council",
                           ratio_percent=100, cap_pence=100_000)
    for amount, name, message, session_id in (
        (5_000, "Rosa Martins", "For the riverside gardens!", "cs_demo_0001"),
        (2_500, None, None, "cs_demo_0002"),
    ):
        if session.scalar(select(Donation.id).where(Donation.checkout_session_id == session_id)):
            continue
        donation = donations.start_donation(session, fund, amount_pence=amount, donor_name=name,
                                            message=message, show_name=bool(name))
        donations.attach_checkout_session(session, donation, session_id)
        donations.confirm_donation(session, donation, checkout_session_id=session_id)
    _commit_released_awards(session, fund)
    return True


def _commit_released_awards(session: Session, fund: Fund) -> None:
    awards = session.scalars(select(Award).where(
        Award.fund_id == fund.id, Award.released_at.is_not(None)).order_by(Award.id)).all()
    for award in awards:
        ledger.commit_award(session, "system", award)
    if awards:
        first = session.scalars(select(Instalment).where(Instalment.award_id == awards[0].id)
                                .order_by(Instalment.sequence)).first()
        payouts.release_instalment(session, "system", first.id)
        payouts.mark_paid_by_bank(session, "system", first.id, "BACS RIVERTOWN-0001")
    # Grants whose end-of-grant report is accepted have had every instalment released.
    for award in awards:
        if report_hold.report_accepted_for(session, award.id):
            for instalment in session.scalars(select(Instalment).where(
                    Instalment.award_id == award.id, Instalment.status == InstalmentStatus.SCHEDULED)
                    .order_by(Instalment.sequence)):
                payouts.release_instalment(session, "system", instalment.id)
