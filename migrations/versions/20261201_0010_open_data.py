"""Open data: what a decided round publishes beyond its awards.

Two switches on grant_round, both off by default so every existing round stays as private
as it was: publish_scores (each award shows the panel's criteria scores) and
publish_declined_names (the round page names the groups that were not funded).

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("grant_round") as batch:
        batch.add_column(sa.Column("publish_scores", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("publish_declined_names", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("grant_round") as batch:
        batch.drop_column("publish_declined_names")
        batch.drop_column("publish_scores")
