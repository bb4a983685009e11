"""Payments: the ledger, donations, match pledges, groups' Stripe accounts, award
instalments and the Stripe events already handled.

On PostgreSQL a trigger makes ledger_entry append-only: corrections are new entries.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION ledger_entry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entry is append-only: % refused on entry %', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

APPEND_ONLY_TRIGGER = """
CREATE TRIGGER ledger_entry_append_only
BEFORE UPDATE OR DELETE ON ledger_entry
FOR EACH ROW EXECUTE FUNCTION ledger_entry_refuse_change()
"""


def upgrade():
    op.create_table('stripe_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('object_id', sa.String(length=255), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_event')),
    sa.UniqueConstraint('event_id', name=op.f('uq_stripe_event_event_id'))
    )
    op.create_table('group_payment_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('stripe_account_id', sa.String(length=255), nullable=False),
    sa.Column('details_submitted', sa.Boolean(), nullable=False),
    sa.Column('payouts_enabled', sa.Boolean(), nullable=False),
    sa.Column('stripe_state_at', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['community_group.id'], name=op.f('fk_group_payment_account_group_id_community_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_payment_account')),
    sa.UniqueConstraint('group_id', name=op.f('uq_group_payment_account_group_id')),
    sa.UniqueConstraint('stripe_account_id', name=op.f('uq_group_payment_account_stripe_account_id'))
    )
    op.create_table('donation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('donor_name', sa.String(length=120), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('show_name', sa.Boolean(), nullable=False),
    sa.Column('gift_aid', sa.Boolean(), nullable=False),
    sa.Column('gift_aid_declaration', sa.Text(), nullable=True),
    sa.Column('gift_aid_declared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('gift_aid_address', sa.String(length=300), nullable=True),
    sa.Column('gift_aid_postcode', sa.String(length=12), nullable=True),
    sa.Column('status', sa.Enum('pending', 'paid', 'expired', 'refunded', name='donationstatus', native_enum=False, length=30), nullable=False),
    sa.Column('checkout_session_id', sa.String(length=255), nullable=True),
    sa.Column('donor_email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'paid') = (paid_at IS NOT NULL) OR status = 'refunded'", name=op.f('ck_donation_paid_has_time')),
    sa.CheckConstraint('NOT gift_aid OR (gift_aid_declaration IS NOT NULL AND gift_aid_declared_at IS NOT NULL AND donor_name IS NOT NULL AND gift_aid_address IS NOT NULL)', name=op.f('ck_donation_gift_aid_complete')),
    sa.CheckConstraint('amount_pence > 0', name=op.f('ck_donation_amount_positive')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_donation_fund_id_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donation')),
    sa.UniqueConstraint('checkout_session_id', name=op.f('uq_donation_checkout_session_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_donation_reference'))
    )
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donation_fund_id'), ['fund_id'], unique=False)

    op.create_table('match_pledge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('funder_name', sa.String(length=200), nullable=False),
    sa.Column('ratio_percent', sa.Integer(), nullable=False),
    sa.Column('cap_pence', sa.BigInteger(), nullable=False),
    sa.Column('pledged_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cap_pence > 0', name=op.f('ck_match_pledge_cap_positive')),
    sa.CheckConstraint('ratio_percent > 0 AND ratio_percent <= 1000', name=op.f('ck_match_pledge_ratio_sensible')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_match_pledge_fund_id_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_pledge'))
    )
    with op.batch_alter_table('match_pledge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_pledge_fund_id'), ['fund_id'], unique=False)

    op.create_table('instalment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.Enum('on_acceptance', 'after_final_report', name='instalmenttrigger', native_enum=False, length=30), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'released', 'sent', 'paid_out', 'payout_failed', 'reversed', 'paid_by_bank', name='instalmentstatus', native_enum=False, length=30), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_by', sa.String(length=64), nullable=True),
    sa.Column('stripe_transfer_id', sa.String(length=255), nullable=True),
    sa.Column('bank_reference', sa.String(length=120), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('stripe_state_at', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("status <> 'paid_by_bank' OR bank_reference IS NOT NULL", name=op.f('ck_instalment_bank_payment_has_reference')),
    sa.CheckConstraint("status NOT IN ('released', 'sent', 'paid_out', 'payout_failed') OR released_at IS NOT NULL", name=op.f('ck_instalment_released_has_time')),
    sa.CheckConstraint('amount_pence > 0', name=op.f('ck_instalment_amount_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_instalment_award_id_award')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instalment')),
    sa.UniqueConstraint('award_id', 'sequence', name=op.f('uq_instalment_award_id_sequence')),
    sa.UniqueConstraint('stripe_transfer_id', name=op.f('uq_instalment_stripe_transfer_id'))
    )
    with op.batch_alter_table('instalment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instalment_award_id'), ['award_id'], unique=False)

    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_type', sa.Enum('budget_allocated', 'donation_received', 'match_pledged', 'match_drawn', 'award_committed', 'award_released', 'payment_sent', 'payment_failed', 'refund', name='entrytype', native_enum=False, length=30), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=True),
    sa.Column('instalment_id', sa.Integer(), nullable=True),
    sa.Column('donation_id', sa.Integer(), nullable=True),
    sa.Column('match_pledge_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('stripe_reference', sa.String(length=255), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("amount_pence > 0 OR (entry_type = 'budget_allocated' AND amount_pence <> 0)", name=op.f('ck_ledger_entry_amount_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_ledger_entry_award_id_award')),
    sa.ForeignKeyConstraint(['donation_id'], ['donation.id'], name=op.f('fk_ledger_entry_donation_id_donation')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_ledger_entry_fund_id_fund')),
    sa.ForeignKeyConstraint(['instalment_id'], ['instalment.id'], name=op.f('fk_ledger_entry_instalment_id_instalment')),
    sa.ForeignKeyConstraint(['match_pledge_id'], ['match_pledge.id'], name=op.f('fk_ledger_entry_match_pledge_id_match_pledge')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_ledger_entry_idempotency_key'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_donation_id'), ['donation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_entry_type'), ['entry_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_instalment_id'), ['instalment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_match_pledge_id'), ['match_pledge_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)



def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry")
        op.execute("DROP FUNCTION IF EXISTS ledger_entry_refuse_change()")
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entry_match_pledge_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_instalment_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_fund_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_entry_type'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_donation_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_award_id'))

    op.drop_table('ledger_entry')
    with op.batch_alter_table('instalment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instalment_award_id'))

    op.drop_table('instalment')
    with op.batch_alter_table('match_pledge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_pledge_fund_id'))

    op.drop_table('match_pledge')
    with op.batch_alter_table('donation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donation_fund_id'))

    op.drop_table('donation')
    op.drop_table('group_payment_account')
    op.drop_table('stripe_event')
