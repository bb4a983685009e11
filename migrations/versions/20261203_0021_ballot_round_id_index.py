"""Ballots indexed by (round, id), so each cast's stirring picks are index reads.

- voting_ballot: the index on `round_id` alone becomes one on (`round_id`, `id`). Each cast
  rewrites a few random ballots of its round (voting.secrecy.stir), picking each as "the
  first ballot of this round with an id at or after a random value". With `round_id` alone
  PostgreSQL read every ballot of the round and sorted them for each pick (8 a cast), so a
  cast slowed as the round filled; with (`round_id`, `id`) a pick reads one index entry.
  The new index still serves every lookup by round.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_voting_ballot_round_id_id", "voting_ballot", ["round_id", "id"])
    op.drop_index("ix_voting_ballot_round_id", table_name="voting_ballot")


def downgrade():
    op.create_index("ix_voting_ballot_round_id", "voting_ballot", ["round_id"])
    op.drop_index("ix_voting_ballot_round_id_id", table_name="voting_ballot")
