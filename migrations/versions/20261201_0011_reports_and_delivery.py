"""End-of-grant reports (one per award: state, dates, what happened, volunteers, assets;
money spent per budget line; people by activity type and age band; photos with consent) and
the delivery records of winning resident-vote proposals (status, milestones, team updates).
New tables only.

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grant_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('scheduled', 'due', 'reminded', 'overdue', 'submitted', 'changes_requested', 'accepted', name='reportstate', native_enum=False, length=30), nullable=False),
    sa.Column('activity_ends_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('changes_reason', sa.Text(), nullable=False),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('learned', sa.Text(), nullable=False),
    sa.Column('volunteers', sa.Integer(), nullable=False),
    sa.Column('volunteer_hours', sa.Integer(), nullable=False),
    sa.Column('assets_contribution', sa.JSON(), nullable=False),
    sa.Column('assets_value_pence', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(state = 'accepted') = (accepted_at IS NOT NULL)", name=op.f('ck_grant_report_accepted_has_time')),
    sa.CheckConstraint("state <> 'changes_requested' OR length(changes_reason) > 0", name=op.f('ck_grant_report_changes_have_reason')),
    sa.CheckConstraint("state NOT IN ('submitted', 'changes_requested', 'accepted') OR submitted_at IS NOT NULL", name=op.f('ck_grant_report_submitted_has_time')),
    sa.CheckConstraint('due_on >= activity_ends_on', name=op.f('ck_grant_report_due_after_activity')),
    sa.CheckConstraint('volunteers >= 0 AND volunteer_hours >= 0 AND assets_value_pence >= 0', name=op.f('ck_grant_report_counts_not_negative')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user_account.id'], name=op.f('fk_grant_report_accepted_by_id_user_account')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_grant_report_award_id_award')),
    sa.ForeignKeyConstraint(['group_id'], ['community_group.id'], name=op.f('fk_grant_report_group_id_community_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_report')),
    sa.UniqueConstraint('award_id', name=op.f('uq_grant_report_award_id'))
    )
    with op.batch_alter_table('grant_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_report_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_report_state'), ['state'], unique=False)

    op.create_table('proposal_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'done', name='deliverystatus', native_enum=False, length=20), nullable=False),
    sa.Column('spent_pence', sa.BigInteger(), nullable=False),
    sa.Column('team_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('spent_pence >= 0', name=op.f('ck_proposal_delivery_spent_not_negative')),
    sa.ForeignKeyConstraint(['proposal_id'], ['voting_proposal.id'], name=op.f('fk_proposal_delivery_proposal_id_voting_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_delivery')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_proposal_delivery_proposal_id'))
    )
    op.create_table('delivery_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('photo_stored_name', sa.String(length=80), nullable=True),
    sa.Column('photo_content_type', sa.String(length=120), nullable=True),
    sa.Column('photo_sha256', sa.String(length=64), nullable=True),
    sa.Column('photo_consent', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('photo_stored_name IS NULL OR photo_consent', name=op.f('ck_delivery_milestone_photo_has_consent')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_delivery_milestone_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['delivery_id'], ['proposal_delivery.id'], name=op.f('fk_delivery_milestone_delivery_id_proposal_delivery')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_milestone')),
    sa.UniqueConstraint('photo_stored_name', name=op.f('uq_delivery_milestone_photo_stored_name'))
    )
    with op.batch_alter_table('delivery_milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_milestone_delivery_id'), ['delivery_id'], unique=False)

    op.create_table('delivery_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_delivery_update_author_id_user_account')),
    sa.ForeignKeyConstraint(['delivery_id'], ['proposal_delivery.id'], name=op.f('fk_delivery_update_delivery_id_proposal_delivery')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_update'))
    )
    with op.batch_alter_table('delivery_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_update_delivery_id'), ['delivery_id'], unique=False)

    op.create_table('report_participation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('activity_type', sa.String(length=60), nullable=False),
    sa.Column('age_band', sa.String(length=30), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.CheckConstraint('people > 0', name=op.f('ck_report_participation_people_positive')),
    sa.ForeignKeyConstraint(['report_id'], ['grant_report.id'], name=op.f('fk_report_participation_report_id_grant_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_participation')),
    sa.UniqueConstraint('report_id', 'activity_type', 'age_band', name=op.f('uq_report_participation_report_id_activity_type_age_band'))
    )
    with op.batch_alter_table('report_participation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_participation_report_id'), ['report_id'], unique=False)

    op.create_table('report_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('caption', sa.String(length=300), nullable=False),
    sa.Column('consent_confirmed', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('consent_confirmed', name=op.f('ck_report_photo_consent_required')),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_report_photo_size_not_negative')),
    sa.ForeignKeyConstraint(['report_id'], ['grant_report.id'], name=op.f('fk_report_photo_report_id_grant_report')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_report_photo_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_photo')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_report_photo_stored_name'))
    )
    with op.batch_alter_table('report_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_photo_report_id'), ['report_id'], unique=False)

    op.create_table('report_spending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('budget_line_id', sa.Integer(), nullable=False),
    sa.Column('spent_pence', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('spent_pence >= 0', name=op.f('ck_report_spending_spent_not_negative')),
    sa.ForeignKeyConstraint(['budget_line_id'], ['budget_line.id'], name=op.f('fk_report_spending_budget_line_id_budget_line')),
    sa.ForeignKeyConstraint(['report_id'], ['grant_report.id'], name=op.f('fk_report_spending_report_id_grant_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_spending')),
    sa.UniqueConstraint('report_id', 'budget_line_id', name=op.f('uq_report_spending_report_id_budget_line_id'))
    )
    with op.batch_alter_table('report_spending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_spending_report_id'), ['report_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_spending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_spending_report_id'))

    op.drop_table('report_spending')
    with op.batch_alter_table('report_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_photo_report_id'))

    op.drop_table('report_photo')
    with op.batch_alter_table('report_participation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_participation_report_id'))

    op.drop_table('report_participation')
    with op.batch_alter_table('delivery_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_update_delivery_id'))

    op.drop_table('delivery_update')
    with op.batch_alter_table('delivery_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_milestone_delivery_id'))

    op.drop_table('delivery_milestone')
    op.drop_table('proposal_delivery')
    with op.batch_alter_table('grant_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_report_state'))
        batch_op.drop_index(batch_op.f('ix_grant_report_group_id'))

    op.drop_table('grant_report')
