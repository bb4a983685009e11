"""Result explanations that can be written in the reader's language.

- voting_result gains `explanation_phrases`: the counting engine's sentence as JSON phrases
  (message templates with raw figures), beside the English `explanation` the CSV keeps
  publishing. NULL for results counted before: the page shows their English.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    # A plain nullable ADD COLUMN: no table rebuild, existing rows keep NULL.
    op.add_column("voting_result", sa.Column("explanation_phrases", sa.Text(), nullable=True))


def downgrade():
    # SQLite (3.35+) drops a column with no index or constraint in place.
    op.drop_column("voting_result", "explanation_phrases")
