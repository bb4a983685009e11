"""The last instalment of a grant is held for the end-of-grant report.

Payments sits above grants, so it reads the report's state to refuse releasing a held
instalment before the report is accepted, and it listens for grants' `report_accepted`
signal to release that instalment in the same transaction as the acceptance. The Stripe
transfer follows later from `commonpot payments pay-released`, like every release."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.i18n import _
from commonpot.refusals import Refused
from grants.reports.models import GrantReport
from grants.reports.states import ReportState
from grants.signals import report_accepted
from payments.models import Instalment
from payments.states import InstalmentStatus, InstalmentTrigger


class HeldForReport(Refused):
    """Releasing an instalment that waits for a report not yet accepted."""


def report_accepted_for(session: Session, award_id: int) -> bool:
    return session.scalar(select(GrantReport.state).where(GrantReport.award_id == award_id)) \
        == ReportState.ACCEPTED


def check_not_held(session: Session, instalment: Instalment) -> None:
    if instalment.trigger == InstalmentTrigger.AFTER_FINAL_REPORT and \
            not report_accepted_for(session, instalment.award_id):
        raise HeldForReport(_("This instalment is held until the group's end-of-grant report is accepted. "
                              "Accept the report first."))


@report_accepted.connect
def release_held_instalments(report, *, session: Session, actor, **_extra) -> None:
    from payments import ledger, payouts

    held = session.scalars(select(Instalment).where(
        Instalment.award_id == report.award_id,
        Instalment.trigger == InstalmentTrigger.AFTER_FINAL_REPORT,
        Instalment.status == InstalmentStatus.SCHEDULED).order_by(Instalment.sequence)).all()
    if held and ledger.award_balance(session, report.award_id).committed_pence == 0:
        return  # never committed in the ledger: nothing can be paid, so nothing to release
    for instalment in held:
        payouts.release_instalment(session, actor, instalment.id)
