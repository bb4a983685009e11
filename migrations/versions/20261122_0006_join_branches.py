"""Join the grants, voting, payments and panels branches into one history.

Voting (0003) grew from the foundation; payments (0004) and panels (0005) from grants (0002).
No schema change: this revision only gives Alembic a single head again.

Revision ID: 0006
Revises: 0003, 0004, 0005
Create Date: 2026-11-22
"""

revision = "0006"
down_revision = ("0003", "0004", "0005")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
