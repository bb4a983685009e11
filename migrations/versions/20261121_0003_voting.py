"""Voting: rounds, districts, postcodes, proposals, codes, paper batches, the voter roll,
ballots and results.

The voter roll and the ballots share no foreign key and no sequence; on SQLite the ballot
table is WITHOUT ROWID so not even a hidden rowid records the order ballots arrived in.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('voting_resident_details',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_voting_resident_details_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_resident_details')),
    sa.UniqueConstraint('user_id', name=op.f('uq_voting_resident_details_user_id'))
    )
    op.create_table('voting_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'proposals', 'review', 'voting', 'counting', 'published', name='roundstate', native_enum=False, length=20), nullable=False),
    sa.Column('ballot_type', sa.Enum('approval', 'knapsack', 'cumulative', 'ranked', name='ballottype', native_enum=False, length=20), nullable=False),
    sa.Column('counting_rule', sa.String(length=40), nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=True),
    sa.Column('min_choices', sa.Integer(), nullable=False),
    sa.Column('min_share_percent', sa.Integer(), nullable=False),
    sa.Column('points_total', sa.Integer(), nullable=False),
    sa.Column('max_points_per_project', sa.Integer(), nullable=True),
    sa.Column('minimum_age', sa.Integer(), nullable=False),
    sa.Column('allow_online', sa.Boolean(), nullable=False),
    sa.Column('allow_codes', sa.Boolean(), nullable=False),
    sa.Column('allow_paper', sa.Boolean(), nullable=False),
    sa.Column('allow_revote', sa.Boolean(), nullable=False),
    sa.Column('board_hashes_receipts', sa.Boolean(), nullable=False),
    sa.Column('board_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(state IN ('counting', 'published')) = (board_hash IS NOT NULL)", name=op.f('ck_voting_round_board_hash_when_closed')),
    sa.CheckConstraint('max_choices IS NULL OR max_choices >= min_choices', name=op.f('ck_voting_round_choices_range')),
    sa.CheckConstraint('min_choices >= 0', name=op.f('ck_voting_round_min_choices_not_negative')),
    sa.CheckConstraint('min_share_percent BETWEEN 0 AND 100', name=op.f('ck_voting_round_share_percent')),
    sa.CheckConstraint('points_total > 0', name=op.f('ck_voting_round_points_positive')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_voting_round_fund_id_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_round'))
    )
    with op.batch_alter_table('voting_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_round_fund_id'), ['fund_id'], unique=False)

    op.create_table('voting_district',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('budget_pence', sa.BigInteger(), nullable=False),
    sa.Column('is_area_wide', sa.Boolean(), nullable=False),
    sa.CheckConstraint('budget_pence > 0', name=op.f('ck_voting_district_budget_positive')),
    sa.ForeignKeyConstraint(['round_id'], ['voting_round.id'], name=op.f('fk_voting_district_round_id_voting_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_district')),
    sa.UniqueConstraint('round_id', 'name', name=op.f('uq_voting_district_round_id_name'))
    )
    with op.batch_alter_table('voting_district', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_district_round_id'), ['round_id'], unique=False)

    op.create_table('voting_ballot',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('receipt', sa.String(length=32), nullable=False),
    sa.Column('cast_on', sa.Date(), nullable=False),
    sa.Column('choices', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['voting_district.id'], name=op.f('fk_voting_ballot_district_id_voting_district')),
    sa.ForeignKeyConstraint(['round_id'], ['voting_round.id'], name=op.f('fk_voting_ballot_round_id_voting_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_ballot')),
    sa.UniqueConstraint('round_id', 'receipt', name=op.f('uq_voting_ballot_round_id_receipt')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('voting_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_ballot_round_id'), ['round_id'], unique=False)

    op.create_table('voting_code_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['voting_district.id'], name=op.f('fk_voting_code_batch_district_id_voting_district')),
    sa.ForeignKeyConstraint(['round_id'], ['voting_round.id'], name=op.f('fk_voting_code_batch_round_id_voting_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_code_batch'))
    )
    with op.batch_alter_table('voting_code_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_code_batch_round_id'), ['round_id'], unique=False)

    op.create_table('voting_paper_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=200), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('first_serial', sa.Integer(), nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.Column('double_keyed', sa.Boolean(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_serial <= last_serial', name=op.f('ck_voting_paper_batch_serial_range')),
    sa.ForeignKeyConstraint(['district_id'], ['voting_district.id'], name=op.f('fk_voting_paper_batch_district_id_voting_district')),
    sa.ForeignKeyConstraint(['round_id'], ['voting_round.id'], name=op.f('fk_voting_paper_batch_round_id_voting_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_paper_batch'))
    )
    with op.batch_alter_table('voting_paper_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_paper_batch_round_id'), ['round_id'], unique=False)

    op.create_table('voting_postcode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['voting_district.id'], name=op.f('fk_voting_postcode_district_id_voting_district')),
    sa.ForeignKeyConstraint(['round_id'], ['voting_round.id'], name=op.f('fk_voting_postcode_round_id_voting_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_postcode')),
    sa.UniqueConstraint('round_id', 'postcode', name=op.f('uq_voting_postcode_round_id_postcode'))
    )
    with op.batch_alter_table('voting_postcode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_postcode_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_voting_postcode_round_id'), ['round_id'], unique=False)

    op.create_table('voting_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('requested_pence', sa.BigInteger(), nullable=False),
    sa.Column('cost_pence', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.Enum('submitted', 'feasible', 'not_feasible', name='proposalstate', native_enum=False, length=20), nullable=False),
    sa.Column('review_reason', sa.Text(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('source_application_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state = 'submitted' OR length(review_reason) > 0", name=op.f('ck_voting_proposal_reviewed_with_reason')),
    sa.CheckConstraint('cost_pence > 0', name=op.f('ck_voting_proposal_cost_positive')),
    sa.ForeignKeyConstraint(['district_id'], ['voting_district.id'], name=op.f('fk_voting_proposal_district_id_voting_district')),
    sa.ForeignKeyConstraint(['group_id'], ['community_group.id'], name=op.f('fk_voting_proposal_group_id_community_group')),
    sa.ForeignKeyConstraint(['round_id'], ['voting_round.id'], name=op.f('fk_voting_proposal_round_id_voting_round')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_voting_proposal_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_proposal')),
    sa.UniqueConstraint('source_application_id', name=op.f('uq_voting_proposal_source_application_id'))
    )
    with op.batch_alter_table('voting_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_proposal_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_voting_proposal_round_id'), ['round_id'], unique=False)

    op.create_table('voting_roll',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('voter_key', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.Enum('online', 'code', 'paper', name='channel', native_enum=False, length=10), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('voted_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['voting_district.id'], name=op.f('fk_voting_roll_district_id_voting_district')),
    sa.ForeignKeyConstraint(['round_id'], ['voting_round.id'], name=op.f('fk_voting_roll_round_id_voting_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_roll')),
    sa.UniqueConstraint('round_id', 'voter_key', name=op.f('uq_voting_roll_round_id_voter_key'))
    )
    with op.batch_alter_table('voting_roll', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_roll_round_id'), ['round_id'], unique=False)

    op.create_table('voting_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['voting_code_batch.id'], name=op.f('fk_voting_code_batch_id_voting_code_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_voting_code_code_hash'))
    )
    with op.batch_alter_table('voting_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_code_batch_id'), ['batch_id'], unique=False)

    op.create_table('voting_paper_keying',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('keying', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('choices', sa.Text(), nullable=False),
    sa.Column('keyed_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('keying IN (1, 2)', name=op.f('ck_voting_paper_keying_keying_one_or_two')),
    sa.ForeignKeyConstraint(['batch_id'], ['voting_paper_batch.id'], name=op.f('fk_voting_paper_keying_batch_id_voting_paper_batch')),
    sa.ForeignKeyConstraint(['keyed_by_id'], ['user_account.id'], name=op.f('fk_voting_paper_keying_keyed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_paper_keying')),
    sa.UniqueConstraint('batch_id', 'keying', 'serial', name=op.f('uq_voting_paper_keying_batch_id_keying_serial'))
    )
    with op.batch_alter_table('voting_paper_keying', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_paper_keying_batch_id'), ['batch_id'], unique=False)

    op.create_table('voting_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('supporters', sa.Integer(), nullable=False),
    sa.Column('score', sa.BigInteger(), nullable=False),
    sa.Column('selected', sa.Boolean(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['voting_district.id'], name=op.f('fk_voting_result_district_id_voting_district')),
    sa.ForeignKeyConstraint(['proposal_id'], ['voting_proposal.id'], name=op.f('fk_voting_result_proposal_id_voting_proposal')),
    sa.ForeignKeyConstraint(['round_id'], ['voting_round.id'], name=op.f('fk_voting_result_round_id_voting_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_result')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_voting_result_proposal_id'))
    )
    with op.batch_alter_table('voting_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_result_round_id'), ['round_id'], unique=False)



def downgrade():
    with op.batch_alter_table('voting_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_result_round_id'))

    op.drop_table('voting_result')
    with op.batch_alter_table('voting_paper_keying', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_paper_keying_batch_id'))

    op.drop_table('voting_paper_keying')
    with op.batch_alter_table('voting_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_code_batch_id'))

    op.drop_table('voting_code')
    with op.batch_alter_table('voting_roll', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_roll_round_id'))

    op.drop_table('voting_roll')
    with op.batch_alter_table('voting_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_proposal_round_id'))
        batch_op.drop_index(batch_op.f('ix_voting_proposal_district_id'))

    op.drop_table('voting_proposal')
    with op.batch_alter_table('voting_postcode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_postcode_round_id'))
        batch_op.drop_index(batch_op.f('ix_voting_postcode_district_id'))

    op.drop_table('voting_postcode')
    with op.batch_alter_table('voting_paper_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_paper_batch_round_id'))

    op.drop_table('voting_paper_batch')
    with op.batch_alter_table('voting_code_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_code_batch_round_id'))

    op.drop_table('voting_code_batch')
    with op.batch_alter_table('voting_ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_ballot_round_id'))

    op.drop_table('voting_ballot')
    with op.batch_alter_table('voting_district', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_district_round_id'))

    op.drop_table('voting_district')
    with op.batch_alter_table('voting_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_round_fund_id'))

    op.drop_table('voting_round')
    op.drop_table('voting_resident_details')
