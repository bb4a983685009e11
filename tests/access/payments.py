from tests.access import EVERYONE, MANAGERS, Rule, both

GROUP_ADMINS = frozenset({"group_member", "admin"})


def build(session, world):
    """A committed award (with its schedule) for the world group, and a pending donation."""
    from sqlalchemy import select

    from grants.models import Fund, Group
    from payments.donations import start_donation
    from payments.models import Instalment
    from tests.payments import factories

    fund = session.get(Fund, world["fund_id"])
    group = session.get(Group, world["group_id"])
    award = factories.committed_award(session, fund, group, amount_pence=10_000)
    world["donation_reference"] = start_donation(session, fund, amount_pence=1_000).reference
    world["instalment_ids"] = list(session.scalars(
        select(Instalment.id).where(Instalment.award_id == award.id).order_by(Instalment.sequence)))


EXPECT = {
    "payments.donate": both(Rule("/donate/test-fund", EVERYONE)),
    "payments.donation_thanks": Rule(lambda w: f"/donate/thanks/{w['donation_reference']}", EVERYONE),
    # Nobody gets in without a valid Stripe signature (the walk configures a secret).
    "payments.stripe_webhook": Rule("/payments/stripe/webhook", frozenset(), method="POST",
                                    refused_also=(400,)),
    "payments.fund_ledger": Rule(lambda w: f"/payments/funds/{w['fund_id']}", MANAGERS),
    "payments.add_match_pledge": Rule(lambda w: f"/payments/funds/{w['fund_id']}/match-pledges", MANAGERS,
                                      method="POST"),
    "payments.release_instalment": both(Rule(
        lambda w: f"/payments/instalments/{w['instalment_ids'][0]}/release", MANAGERS)),
    "payments.record_bank_transfer": both(Rule(
        lambda w: f"/payments/instalments/{w['instalment_ids'][1]}/bank-transfer", MANAGERS),
        data={"reference": "BACS 1"}),
    "payments.group_account": Rule(lambda w: f"/payments/groups/{w['group_id']}", GROUP_ADMINS),
    "payments.connect_account": Rule(lambda w: f"/payments/groups/{w['group_id']}/connect", GROUP_ADMINS,
                                     method="POST"),
    "payments.connect_refresh": Rule(lambda w: f"/payments/groups/{w['group_id']}/connect/refresh",
                                     GROUP_ADMINS),
    "payments.connect_return": Rule(lambda w: f"/payments/groups/{w['group_id']}/connect/return",
                                    GROUP_ADMINS),
}
