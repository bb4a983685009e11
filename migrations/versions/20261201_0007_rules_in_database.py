"""Rules in the database: a CHECK on every enum and state column, budgets never negative,
and the foreign key from a voting proposal to the grants application it came from.

Until now `enum_column` made no CHECK, so any string fitted a state column. The four free
strings that named a state (award status, group role, outbox status, timeline status)
become enums in the models at the same time; their columns keep their type and length, so
only the constraints change here. Constraint names follow the models' naming convention
(`ck_<table>_<name>`, where the name is the enum's, see `commonpot.db.enum_column`).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0011"
branch_labels = None
depends_on = None

# table -> [(column, constraint name without the ck_<table>_ prefix, allowed values)]
ENUM_CHECKS = {
    "application": [("status", "applicationstatus", (
        "draft", "submitted", "withdrawn", "eligible", "ineligible", "awarded", "not_awarded"))],
    "application_status_event": [("status", "application_event_status", (
        "draft", "submitted", "withdrawn", "eligible", "ineligible", "awarded", "not_awarded"))],
    "award": [("status", "awardstatus", ("offered", "accepted", "declined_by_group", "rescinded"))],
    "community_group": [("org_type", "orgtype", (
        "unincorporated", "charity", "cio", "cic", "clg", "other"))],
    "conflict_declaration": [("reason", "conflictreason", ("group_member", "family", "employer", "other"))],
    "donation": [("status", "donationstatus", ("pending", "paid", "expired", "refunded"))],
    "fund_role": [("role", "fundrolekind", ("fund_manager", "panel_member"))],
    "grant_round": [("phase", "roundphase", (
        "draft", "open", "closed", "screening", "scoring", "voting", "deciding", "decided",
        "monitoring", "archived"))],
    "group_membership": [("role", "grouprole", ("group_admin", "member"))],
    "instalment": [
        ("trigger", "instalmenttrigger", ("on_acceptance", "after_final_report")),
        ("status", "instalmentstatus", (
            "scheduled", "released", "sent", "paid_out", "payout_failed", "reversed", "paid_by_bank")),
    ],
    "ledger_entry": [("entry_type", "entrytype", (
        "budget_allocated", "donation_received", "match_pledged", "match_drawn", "award_committed",
        "award_released", "payment_sent", "payment_failed", "refund"))],
    "outbox_message": [("status", "outboxstatus", ("pending", "sent", "outbox"))],
    "panel_decision": [("outcome", "outcome", ("award", "decline", "reserve"))],
    "panel_member": [("role", "panelrole", ("chair", "member"))],
    "question": [("type", "questiontype", (
        "short_text", "long_text", "number", "money", "date", "single_choice", "multiple_choice",
        "yes_no", "file"))],
    "review": [
        ("status", "reviewstatus", ("draft", "submitted")),
        ("recommendation", "recommendation", ("fund", "maybe", "do_not_fund")),
    ],
    "voting_proposal": [("state", "proposalstate", ("submitted", "feasible", "not_feasible"))],
    "voting_roll": [("channel", "channel", ("online", "code", "paper"))],
    "voting_round": [
        ("state", "roundstate", ("draft", "proposals", "review", "voting", "counting", "published")),
        ("ballot_type", "ballottype", ("approval", "knapsack", "cumulative", "ranked")),
    ],
}

BUDGET_TABLES = ("fund", "grant_round")

PROPOSAL_SOURCE_FK = "fk_voting_proposal_source_application_id_application"


def _in_list(column: str, values) -> str:
    # The same text SQLAlchemy writes for a non-native Enum's CHECK, so a fresh database
    # and a migrated one read alike.
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _foreign_keys_on_sqlite(on: bool):
    # SQLite rebuilds each table (copy, drop, rename). The app turns foreign keys on, so the
    # drop would fail on a table other rows point at. Outside a transaction (pysqlite opens
    # none for DDL) foreign_keys=OFF takes effect; inside one only defer_foreign_keys does,
    # and then the rebuilt table, with the same ids, satisfies the check at commit. No key to
    # these tables has an ON DELETE action while they are rebuilt, so no other row changes.
    if op.get_bind().dialect.name == "sqlite":
        if on:
            op.execute("PRAGMA foreign_keys = ON")
        else:
            op.execute("PRAGMA foreign_keys = OFF")
            op.execute("PRAGMA defer_foreign_keys = ON")


def upgrade():
    _foreign_keys_on_sqlite(False)
    for table, checks in ENUM_CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for column, name, values in checks:
                batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), _in_list(column, values))
    for table in BUDGET_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_check_constraint(op.f(f"ck_{table}_budget_not_negative"),
                                             "budget_pence >= 0")
    # A proposal whose application no longer exists keeps its place on the ballot; only
    # the dangling link goes, as ON DELETE SET NULL will do from now on.
    op.execute("UPDATE voting_proposal SET source_application_id = NULL "
               "WHERE source_application_id IS NOT NULL AND source_application_id NOT IN "
               "(SELECT id FROM application)")
    with op.batch_alter_table("voting_proposal") as batch_op:
        batch_op.create_foreign_key(op.f(PROPOSAL_SOURCE_FK), "application",
                                    ["source_application_id"], ["id"], ondelete="SET NULL")
    _foreign_keys_on_sqlite(True)


def downgrade():
    _foreign_keys_on_sqlite(False)
    with op.batch_alter_table("voting_proposal") as batch_op:
        batch_op.drop_constraint(op.f(PROPOSAL_SOURCE_FK), type_="foreignkey")
    for table in BUDGET_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_budget_not_negative"), type_="check")
    for table, checks in ENUM_CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for _column, name, _values in checks:
                batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
    _foreign_keys_on_sqlite(True)
