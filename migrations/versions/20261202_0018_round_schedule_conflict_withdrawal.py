"""Rounds open only when the fund manager says they are ready; declared conflicts can be
withdrawn with a reason.

`grant_round.scheduled_at` records when a fund manager said a draft round is ready to open:
the clock (`commonpot rounds tick`) opens a draft only once it is set (and the round is still
ready), so a round whose opening time has passed no longer opens itself halfway through
being set up. Existing drafts start unscheduled: their managers open or schedule them.

`conflict_declaration.withdrawn_at` and `withdrawn_reason` record a reviewer taking back a
mistaken declaration (allowed only before anyone's scores on the application are in); the
CHECK keeps a withdrawal's reason and its cleared conflict together.

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("grant_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("conflict_declaration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_conflict_declaration_withdrawal_has_reason"),
            "withdrawn_at IS NULL OR (NOT has_conflict AND withdrawn_reason IS NOT NULL)")


def downgrade():
    with op.batch_alter_table("conflict_declaration", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_conflict_declaration_withdrawal_has_reason"), type_="check")
        batch_op.drop_column("withdrawn_reason")
        batch_op.drop_column("withdrawn_at")
    with op.batch_alter_table("grant_round", schema=None) as batch_op:
        batch_op.drop_column("scheduled_at")
