"""Ballot secrecy, receipts that confirm but never control, and census eligibility.

- voting_ballot loses `cast_on` (a day is enough to pair a ballot with the roll on a quiet
  day) and gains `change_tag`, the keyed hash that lets only the voter change their ballot.
- voting_round gains `requires_census` and `offers_blank_vote`.
- voting_resident_details gains `family_name`, matched against a round's census.
- voting_census_entry holds the organiser's census list as keyed hashes only;
  voting_census_mark records that an entry has voted, once, whatever the channel;
  voting_code.census_entry_id ties each code of a census round to one entry.

Revision ID: 0014
Revises: 0011 (after main's chain 0006 -> 0010 -> 0008 -> 0009 -> 0011)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "voting_census_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("identity_hash", sa.String(length=64), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["voting_district.id"],
                                name=op.f("fk_voting_census_entry_district_id_voting_district")),
        sa.ForeignKeyConstraint(["round_id"], ["voting_round.id"],
                                name=op.f("fk_voting_census_entry_round_id_voting_round")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_census_entry")),
        sa.UniqueConstraint("round_id", "identity_hash",
                            name=op.f("uq_voting_census_entry_round_id_identity_hash")),
    )
    op.create_index(op.f("ix_voting_census_entry_round_id"), "voting_census_entry", ["round_id"])

    op.create_table(
        "voting_census_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["voting_census_entry.id"],
                                name=op.f("fk_voting_census_mark_entry_id_voting_census_entry")),
        sa.ForeignKeyConstraint(["round_id"], ["voting_round.id"],
                                name=op.f("fk_voting_census_mark_round_id_voting_round")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_census_mark")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_voting_census_mark_entry_id")),
    )
    op.create_index(op.f("ix_voting_census_mark_round_id"), "voting_census_mark", ["round_id"])

    with op.batch_alter_table("voting_code") as batch_op:
        batch_op.add_column(sa.Column("census_entry_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_voting_code_census_entry_id_voting_census_entry"),
                                    "voting_census_entry", ["census_entry_id"], ["id"])
        batch_op.create_unique_constraint(op.f("uq_voting_code_census_entry_id"), ["census_entry_id"])

    with op.batch_alter_table("voting_round") as batch_op:
        batch_op.add_column(sa.Column("requires_census", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("offers_blank_vote", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("voting_round") as batch_op:
        batch_op.alter_column("requires_census", server_default=None)
        batch_op.alter_column("offers_blank_vote", server_default=None)

    op.add_column("voting_resident_details",
                  sa.Column("family_name", sa.String(length=120), nullable=True))

    # Plain ALTERs, not batch mode: batch mode would rebuild the ballot table on SQLite and
    # lose its WITHOUT ROWID. SQLite (3.35+) drops an unindexed column in place.
    op.drop_column("voting_ballot", "cast_on")
    op.add_column("voting_ballot", sa.Column("change_tag", sa.String(length=64), nullable=True))
    op.create_index("uq_voting_ballot_change_tag", "voting_ballot", ["change_tag"], unique=True)


def downgrade():
    op.drop_index("uq_voting_ballot_change_tag", table_name="voting_ballot")
    op.drop_column("voting_ballot", "change_tag")
    # The day each ballot was cast is gone for good; old rows get a placeholder day.
    op.add_column("voting_ballot", sa.Column("cast_on", sa.Date(), nullable=False,
                                             server_default="2026-01-01"))

    op.drop_column("voting_resident_details", "family_name")
    with op.batch_alter_table("voting_round") as batch_op:
        batch_op.drop_column("offers_blank_vote")
        batch_op.drop_column("requires_census")
    with op.batch_alter_table("voting_code") as batch_op:
        batch_op.drop_constraint(op.f("uq_voting_code_census_entry_id"), type_="unique")
        batch_op.drop_constraint(op.f("fk_voting_code_census_entry_id_voting_census_entry"),
                                 type_="foreignkey")
        batch_op.drop_column("census_entry_id")
    op.drop_index(op.f("ix_voting_census_mark_round_id"), table_name="voting_census_mark")
    op.drop_table("voting_census_mark")
    op.drop_index(op.f("ix_voting_census_entry_round_id"), table_name="voting_census_entry")
    op.drop_table("voting_census_entry")
