"""Grants: fund areas and themes, rounds with criteria and questions, group profiles and
invitations, applications with budgets, attachments and timelines, screening and awards.

Columns added to existing tables (fund, community_group) are filled for existing rows
first, then made NOT NULL, so the upgrade runs on a database that already holds data.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_ADDED_COLUMNS = {
    'fund': ('description', 'themes'),
    'community_group': ('org_type', 'charity_number', 'company_number', 'org_id', 'postcode',
                        'description', 'contact_name', 'contact_email', 'contact_phone',
                        'payment_ready'),
}


def upgrade():
    op.create_table('group_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('group_admin', 'member')", name=op.f('ck_group_invitation_role_known')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user_account.id'], name=op.f('fk_group_invitation_accepted_by_id_user_account')),
    sa.ForeignKeyConstraint(['group_id'], ['community_group.id'], name=op.f('fk_group_invitation_group_id_community_group')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_group_invitation_invited_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_group_invitation_token_hash'))
    )
    with op.batch_alter_table('group_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_invitation_group_id'), ['group_id'], unique=False)

    op.create_table('fund_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('ward', 'district')", name=op.f('ck_fund_area_kind_known')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_fund_area_fund_id_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_area')),
    sa.UniqueConstraint('fund_id', 'name', name=op.f('uq_fund_area_fund_id_name'))
    )
    with op.batch_alter_table('fund_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_area_fund_id'), ['fund_id'], unique=False)

    op.create_table('grant_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('min_grant_pence', sa.BigInteger(), nullable=False),
    sa.Column('max_grant_pence', sa.BigInteger(), nullable=False),
    sa.Column('budget_pence', sa.BigInteger(), nullable=False),
    sa.Column('phase', sa.Enum('draft', 'open', 'closed', 'screening', 'scoring', 'voting', 'deciding', 'decided', 'monitoring', 'archived', name='roundphase', native_enum=False, length=20), nullable=False),
    sa.Column('phase_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('restrict_to_area', sa.Boolean(), nullable=False),
    sa.Column('allowed_org_types', sa.JSON(), nullable=False),
    sa.Column('max_applications_per_group', sa.Integer(), nullable=False),
    sa.Column('uses_voting', sa.Boolean(), nullable=False),
    sa.Column('eligibility_notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_grant_round_closes_after_opening')),
    sa.CheckConstraint('max_applications_per_group >= 1', name=op.f('ck_grant_round_per_group_limit_positive')),
    sa.CheckConstraint('min_grant_pence >= 0 AND max_grant_pence >= min_grant_pence', name=op.f('ck_grant_round_grant_limits_ordered')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_grant_round_fund_id_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_round')),
    sa.UniqueConstraint('slug', name=op.f('uq_grant_round_slug'))
    )
    with op.batch_alter_table('grant_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_round_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_round_phase'), ['phase'], unique=False)

    op.create_table('application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=30), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'withdrawn', 'eligible', 'ineligible', 'awarded', 'not_awarded', name='applicationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('requested_amount_pence', sa.BigInteger(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('project_postcode', sa.String(length=10), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('theme', sa.String(length=80), nullable=True),
    sa.Column('declarations_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'withdrawn') OR reference IS NOT NULL", name=op.f('ck_application_submitted_has_reference')),
    sa.CheckConstraint("status IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL", name=op.f('ck_application_submitted_has_time')),
    sa.CheckConstraint('requested_amount_pence IS NULL OR requested_amount_pence >= 0', name=op.f('ck_application_request_not_negative')),
    sa.ForeignKeyConstraint(['area_id'], ['fund_area.id'], name=op.f('fk_application_area_id_fund_area')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_application_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['group_id'], ['community_group.id'], name=op.f('fk_application_group_id_community_group')),
    sa.ForeignKeyConstraint(['round_id'], ['grant_round.id'], name=op.f('fk_application_round_id_grant_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('reference', name=op.f('uq_application_reference'))
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_status'), ['status'], unique=False)

    op.create_table('area_postcode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=10), nullable=False),
    sa.Column('is_prefix', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['fund_area.id'], name=op.f('fk_area_postcode_area_id_fund_area')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_postcode')),
    sa.UniqueConstraint('area_id', 'value', 'is_prefix', name=op.f('uq_area_postcode_area_id_value_is_prefix'))
    )
    with op.batch_alter_table('area_postcode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_postcode_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_postcode_value'), ['value'], unique=False)

    op.create_table('criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('weight >= 0', name=op.f('ck_criterion_weight_not_negative')),
    sa.ForeignKeyConstraint(['round_id'], ['grant_round.id'], name=op.f('fk_criterion_round_id_grant_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criterion')),
    sa.UniqueConstraint('round_id', 'name', name=op.f('uq_criterion_round_id_name'))
    )
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criterion_round_id'), ['round_id'], unique=False)

    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('type', sa.Enum('short_text', 'long_text', 'number', 'money', 'date', 'single_choice', 'multiple_choice', 'yes_no', 'file', name='questiontype', native_enum=False, length=20), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('hint', sa.Text(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('word_limit', sa.Integer(), nullable=True),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_asset', sa.Boolean(), nullable=False),
    sa.CheckConstraint('word_limit IS NULL OR word_limit > 0', name=op.f('ck_question_word_limit_positive')),
    sa.ForeignKeyConstraint(['round_id'], ['grant_round.id'], name=op.f('fk_question_round_id_grant_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question')),
    sa.UniqueConstraint('round_id', 'key', name=op.f('uq_question_round_id_key'))
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_round_id'), ['round_id'], unique=False)

    op.create_table('application_status_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_application_status_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_application_status_event_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_status_event'))
    )
    with op.batch_alter_table('application_status_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_status_event_application_id'), ['application_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=60), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_attachment_size_not_negative')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_attachment_application_id_application')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_attachment_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachment_stored_name'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_application_id'), ['application_id'], unique=False)

    op.create_table('award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('partial_reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_pence > 0', name=op.f('ck_award_amount_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_award_application_id_application')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_award_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_award_fund_id_fund')),
    sa.ForeignKeyConstraint(['round_id'], ['grant_round.id'], name=op.f('fk_award_round_id_grant_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award')),
    sa.UniqueConstraint('application_id', name=op.f('uq_award_application_id'))
    )
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_round_id'), ['round_id'], unique=False)

    op.create_table('budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_pence >= 0', name=op.f('ck_budget_line_amount_not_negative')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_budget_line_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_line'))
    )
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_line_application_id'), ['application_id'], unique=False)

    op.create_table('screening_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=True),
    sa.Column('reason_text', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_screening_decision_application_id_application')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_screening_decision_decided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_decision')),
    sa.UniqueConstraint('application_id', name=op.f('uq_screening_decision_application_id'))
    )
    # Plain ADD COLUMN with server defaults: no table rebuild, so rows referring to
    # fund and community_group (roles, memberships) are untouched.
    org_type = sa.Enum('unincorporated', 'charity', 'cio', 'cic', 'clg', 'other',
                       name='orgtype', native_enum=False, length=20)
    with op.batch_alter_table('community_group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_type', org_type, server_default='unincorporated',
                                      nullable=False))
        batch_op.add_column(sa.Column('charity_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('company_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('org_id', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('postcode', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('contact_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('payment_ready', sa.Boolean(), server_default='0',
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_community_group_org_id'), ['org_id'], unique=True)

    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('themes', sa.JSON(), server_default='[]', nullable=False))

def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch rebuild of fund or community_group
    # would trip the foreign keys of the rows that refer to them.
    with op.batch_alter_table('community_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_group_org_id'))
    for table, columns in _ADDED_COLUMNS.items():
        for column in columns:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")

    op.drop_table('screening_decision')
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_line_application_id'))

    op.drop_table('budget_line')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_round_id'))
        batch_op.drop_index(batch_op.f('ix_award_fund_id'))

    op.drop_table('award')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_application_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('application_status_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_status_event_application_id'))

    op.drop_table('application_status_event')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_round_id'))

    op.drop_table('question')
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criterion_round_id'))

    op.drop_table('criterion')
    with op.batch_alter_table('area_postcode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_postcode_value'))
        batch_op.drop_index(batch_op.f('ix_area_postcode_area_id'))

    op.drop_table('area_postcode')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_status'))
        batch_op.drop_index(batch_op.f('ix_application_round_id'))
        batch_op.drop_index(batch_op.f('ix_application_group_id'))

    op.drop_table('application')
    with op.batch_alter_table('grant_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_round_phase'))
        batch_op.drop_index(batch_op.f('ix_grant_round_fund_id'))

    op.drop_table('grant_round')
    with op.batch_alter_table('fund_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_area_fund_id'))

    op.drop_table('fund_area')
    with op.batch_alter_table('group_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_invitation_group_id'))

    op.drop_table('group_invitation')
