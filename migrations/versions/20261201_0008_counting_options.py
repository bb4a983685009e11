"""Voting rounds keep the counting options the round chose (tie-breaking, completion, ...).

NULL means the counting rule's own defaults, which is what every existing round counted with.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("voting_round") as batch:
        batch.add_column(sa.Column("counting_options", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("voting_round") as batch:
        batch.drop_column("counting_options")
