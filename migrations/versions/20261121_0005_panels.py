"""Panels: members and roles, review assignments, conflict declarations, score sheets and
scores, decisions and the shortlist sent to a resident vote. New tables only.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('panel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('scale_min', sa.Integer(), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.Column('reviewers_per_application', sa.Integer(), nullable=True),
    sa.Column('blind_review', sa.Boolean(), nullable=False),
    sa.Column('identifying_question_keys', sa.JSON(), nullable=False),
    sa.Column('calibrate_scores', sa.Boolean(), nullable=False),
    sa.Column('disagreement_threshold_hundredths', sa.Integer(), nullable=False),
    sa.Column('show_member_names', sa.Boolean(), nullable=False),
    sa.Column('share_panel_comments', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('disagreement_threshold_hundredths >= 0', name=op.f('ck_panel_threshold_not_negative')),
    sa.CheckConstraint('reviewers_per_application IS NULL OR reviewers_per_application >= 1', name=op.f('ck_panel_reviewers_positive')),
    sa.CheckConstraint('scale_max > scale_min AND scale_min >= 0', name=op.f('ck_panel_scale_ordered')),
    sa.ForeignKeyConstraint(['round_id'], ['grant_round.id'], name=op.f('fk_panel_round_id_grant_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel')),
    sa.UniqueConstraint('round_id', name=op.f('uq_panel_round_id'))
    )
    op.create_table('conflict_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('has_conflict', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Enum('group_member', 'family', 'employer', 'other', name='conflictreason', native_enum=False, length=20), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(has_conflict AND reason IS NOT NULL) OR (NOT has_conflict AND reason IS NULL)', name=op.f('ck_conflict_declaration_reason_when_conflicted')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_conflict_declaration_application_id_application')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_conflict_declaration_reviewer_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_declaration')),
    sa.UniqueConstraint('application_id', 'reviewer_id', name=op.f('uq_conflict_declaration_application_id_reviewer_id'))
    )
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_declaration_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_declaration_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('panel_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('award', 'decline', 'reserve', name='outcome', native_enum=False, length=20), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(outcome = 'award' AND amount_pence > 0) OR (outcome <> 'award' AND amount_pence IS NULL)", name=op.f('ck_panel_decision_amount_only_for_award')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_panel_decision_application_id_application')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_panel_decision_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['grant_round.id'], name=op.f('fk_panel_decision_round_id_grant_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_decision')),
    sa.UniqueConstraint('application_id', name=op.f('uq_panel_decision_application_id'))
    )
    with op.batch_alter_table('panel_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_decision_round_id'), ['round_id'], unique=False)

    op.create_table('panel_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('chair', 'member', name='panelrole', native_enum=False, length=20), nullable=False),
    sa.Column('is_resident', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['panel_id'], ['panel.id'], name=op.f('fk_panel_member_panel_id_panel')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_panel_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_member')),
    sa.UniqueConstraint('panel_id', 'user_id', name=op.f('uq_panel_member_panel_id_user_id'))
    )
    with op.batch_alter_table('panel_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_member_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_member_user_id'), ['user_id'], unique=False)

    op.create_table('panel_shortlist_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_panel_shortlist_entry_added_by_id_user_account')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_panel_shortlist_entry_application_id_application')),
    sa.ForeignKeyConstraint(['round_id'], ['grant_round.id'], name=op.f('fk_panel_shortlist_entry_round_id_grant_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_shortlist_entry')),
    sa.UniqueConstraint('application_id', name=op.f('uq_panel_shortlist_entry_application_id'))
    )
    with op.batch_alter_table('panel_shortlist_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_shortlist_entry_round_id'), ['round_id'], unique=False)

    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', name='reviewstatus', native_enum=False, length=20), nullable=False),
    sa.Column('recommendation', sa.Enum('fund', 'maybe', 'do_not_fund', name='recommendation', native_enum=False, length=20), nullable=True),
    sa.Column('note_to_applicant', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name=op.f('ck_review_submitted_has_time')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_review_application_id_application')),
    sa.ForeignKeyConstraint(['panel_id'], ['panel.id'], name=op.f('fk_review_panel_id_panel')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_review_reviewer_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review')),
    sa.UniqueConstraint('application_id', 'reviewer_id', name=op.f('uq_review_application_id_reviewer_id'))
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('review_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_review_assignment_application_id_application')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'], name=op.f('fk_review_assignment_assigned_by_id_user_account')),
    sa.ForeignKeyConstraint(['panel_id'], ['panel.id'], name=op.f('fk_review_assignment_panel_id_panel')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_review_assignment_reviewer_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_assignment')),
    sa.UniqueConstraint('application_id', 'reviewer_id', name=op.f('uq_review_assignment_application_id_reviewer_id'))
    )
    with op.batch_alter_table('review_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_assignment_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_assignment_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_assignment_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint('value >= 0', name=op.f('ck_score_value_not_negative')),
    sa.ForeignKeyConstraint(['criterion_id'], ['criterion.id'], name=op.f('fk_score_criterion_id_criterion')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_score_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score')),
    sa.UniqueConstraint('review_id', 'criterion_id', name=op.f('uq_score_review_id_criterion_id'))
    )
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_review_id'), ['review_id'], unique=False)



def downgrade():
    # Children before parents; dropping a table drops its indexes.
    for table in ('score', 'review_assignment', 'review', 'panel_shortlist_entry', 'panel_member',
                  'panel_decision', 'conflict_declaration', 'panel'):
        op.drop_table(table)
