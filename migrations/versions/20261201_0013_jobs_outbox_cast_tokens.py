"""Work outside the request: outbox delivery attempts and claims; one-time cast tokens.

The outbox gains what a delivery worker needs: how many attempts a message has had, when
it is next due, and until when a worker's claim on it holds; plus an index on (status,
next_attempt_at), the columns every delivery sweep filters on. Existing rows keep their
status and start with no attempts.

voting_cast_token remembers, for each cast ballot form, the receipt sealed with the form's
own token, so a retry after a lost connection gets the same receipt back. It holds no
voter and no time: only a hash of the token and the sealed receipt.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_outbox_message_status_next_attempt_at",
                              ["status", "next_attempt_at"], unique=False)
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.alter_column("attempts", server_default=None)
        # Two new statuses: claimed by a worker, and given up after the last attempt.
        batch_op.drop_constraint(op.f("ck_outbox_message_outboxstatus"), type_="check")
        batch_op.create_check_constraint(op.f("ck_outbox_message_outboxstatus"),
                                         "status IN ('pending', 'sending', 'sent', 'outbox', 'dead')")

    op.create_table(
        "voting_cast_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("sealed_receipt", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["voting_round.id"],
                                name=op.f("fk_voting_cast_token_round_id_voting_round")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_voting_cast_token")),
    )


def downgrade():
    op.drop_table("voting_cast_token")
    # Claimed and given-up messages become pending again: nothing is lost on the way down.
    op.execute("UPDATE outbox_message SET status = 'pending' WHERE status IN ('sending', 'dead')")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_message_outboxstatus"), type_="check")
        batch_op.create_check_constraint(op.f("ck_outbox_message_outboxstatus"),
                                         "status IN ('pending', 'sent', 'outbox')")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_status_next_attempt_at")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
