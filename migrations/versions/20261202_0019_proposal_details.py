"""Proposals a voter can judge: where, what the money buys, and a picture.

- voting_proposal gains `location` (the proposer's words for where it happens) and an
  optional `postcode`.
- voting_proposal_cost_line: a proposal's items and their amounts in pence.
- voting_proposal_image: the proposer's picture, stored under a random name outside the
  web root, with its alt text (required); a moderator's removal keeps the row.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no table rebuild): both have defaults the database can apply.
    op.add_column("voting_proposal", sa.Column("location", sa.String(length=200), nullable=False,
                                               server_default=""))
    op.add_column("voting_proposal", sa.Column("postcode", sa.String(length=10), nullable=True))

    op.create_table(
        "voting_proposal_cost_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_pence > 0",
                           name=op.f("ck_voting_proposal_cost_line_amount_positive")),
        sa.CheckConstraint("length(item) > 0", name=op.f("ck_voting_proposal_cost_line_item_named")),
        sa.ForeignKeyConstraint(["proposal_id"], ["voting_proposal.id"],
                                name=op.f("fk_voting_proposal_cost_line_proposal_id_voting_proposal")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_proposal_cost_line")),
        sa.UniqueConstraint("proposal_id", "position",
                            name=op.f("uq_voting_proposal_cost_line_proposal_id_position")),
    )
    op.create_index(op.f("ix_voting_proposal_cost_line_proposal_id"), "voting_proposal_cost_line",
                    ["proposal_id"])

    op.create_table(
        "voting_proposal_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("alt_text", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=False, server_default=""),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_voting_proposal_image_size_positive")),
        sa.CheckConstraint("length(alt_text) > 0",
                           name=op.f("ck_voting_proposal_image_alt_text_required")),
        sa.ForeignKeyConstraint(["proposal_id"], ["voting_proposal.id"],
                                name=op.f("fk_voting_proposal_image_proposal_id_voting_proposal")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user_account.id"],
                                name=op.f("fk_voting_proposal_image_uploaded_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_proposal_image")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_voting_proposal_image_proposal_id")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_voting_proposal_image_stored_name")),
    )


def downgrade():
    op.drop_table("voting_proposal_image")
    op.drop_index(op.f("ix_voting_proposal_cost_line_proposal_id"),
                  table_name="voting_proposal_cost_line")
    op.drop_table("voting_proposal_cost_line")
    # SQLite (3.35+) drops a column with no index or constraint in place.
    op.drop_column("voting_proposal", "postcode")
    op.drop_column("voting_proposal", "location")
