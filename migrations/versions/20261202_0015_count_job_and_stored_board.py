"""The count runs as a job; a closed round's files are made once and stored.

- voting_count: the count of a closed round (queued, counting, counted or failed), with its
  progress district by district and the error of a failed attempt.
- voting_artefact: the files of a closed round (ballots and receipts CSVs, the board's pages,
  the .pb files, the results), with their SHA-256, served as stored.
- voting_published_receipt: each receipt as published, with the index of its leaf in the
  audit log, so a lookup reads one row and can offer the leaf's inclusion proof.

Rounds already closed get a queued count: `commonpot voting count-pending` (run by the
scheduler) counts them again from their ballots and stores their files.

Revision ID: 0015
Revises: 0017 (0014 when written; main took 0017 meanwhile)
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "voting_count",
        sa.Column("round_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.Enum("queued", "counting", "counted", "failed", name="countstate",
                                   native_enum=False, length=10, create_constraint=True),
                  nullable=False),
        sa.Column("districts_total", sa.Integer(), nullable=False),
        sa.Column("districts_done", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("districts_done BETWEEN 0 AND districts_total",
                           name=op.f("ck_voting_count_progress_in_range")),
        sa.CheckConstraint("(state = 'failed') = (error IS NOT NULL)",
                           name=op.f("ck_voting_count_error_when_failed")),
        sa.ForeignKeyConstraint(["round_id"], ["voting_round.id"],
                                name=op.f("fk_voting_count_round_id_voting_round")),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_voting_count")),
    )
    op.create_table(
        "voting_artefact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["voting_round.id"],
                                name=op.f("fk_voting_artefact_round_id_voting_round")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_artefact")),
        sa.UniqueConstraint("round_id", "name", name=op.f("uq_voting_artefact_round_id_name")),
    )
    op.create_index(op.f("ix_voting_artefact_round_id"), "voting_artefact", ["round_id"])
    op.create_table(
        "voting_published_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=64), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["voting_round.id"],
                                name=op.f("fk_voting_published_receipt_round_id_voting_round")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_published_receipt")),
        sa.UniqueConstraint("round_id", "receipt",
                            name=op.f("uq_voting_published_receipt_round_id_receipt")),
    )
    # Rounds closed before this revision are counted again by the job, which stores their files.
    op.execute(
        "INSERT INTO voting_count (round_id, state, districts_total, districts_done, attempts, "
        "updated_at) SELECT r.id, 'queued', (SELECT count(*) FROM voting_district d "
        "WHERE d.round_id = r.id), 0, 0, CURRENT_TIMESTAMP FROM voting_round r "
        "WHERE r.state IN ('counting', 'published')")


def downgrade():
    op.drop_table("voting_published_receipt")
    op.drop_index(op.f("ix_voting_artefact_round_id"), table_name="voting_artefact")
    op.drop_table("voting_artefact")
    op.drop_table("voting_count")
