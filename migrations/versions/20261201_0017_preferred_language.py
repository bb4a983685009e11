"""A person's preferred language.

`user_account.preferred_language` holds the language they last chose with the switcher
('en', 'cy', ...), so the choice follows them to another device, and mail written to them
when they are not the one asking (decisions, reminders) can be in their language. NULL: no
choice made; the browser's Accept-Language decides.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preferred_language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("preferred_language")
