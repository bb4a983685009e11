"""The audit log becomes a signed Merkle log; security events move to a private log.

audit_event loses its hash chain (prev_hash, hash) and gains the RFC 6962 leaf hash, the tree
nodes each append completed, an Ed25519 signature, and private fields kept apart from the
public payload (with their salted digest in the leaf). New tables: audit_checkpoint (signed
tree heads), security_event (sign-ins and account security, never published) and
audit_person (the pseudonym the public log uses for each person).

Existing events are rewritten once, here: security events move to security_event, the rest
are renumbered, their payloads split by commonpot/audit/fields.py (undeclared fields count as
private), people replaced by pseudonyms, and their leaves computed. They carry no signature
(the key is not the migration's to use); run `commonpot audit checkpoint` straight after this
migration so a signed checkpoint covers them.

On PostgreSQL, statement-level triggers refuse TRUNCATE of audit_event and audit_checkpoint,
and a row trigger makes audit_checkpoint append-only like audit_event. If AUDIT_TABLE_OWNER
names a role, both tables are handed to it and the migrating role keeps SELECT and INSERT only
(see the README's production section).

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-01
"""
import hashlib
import hmac
import json
import os
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

REFUSE_TRUNCATE_FUNCTION = """
CREATE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
REFUSE_CHECKPOINT_CHANGE_FUNCTION = """
CREATE FUNCTION audit_checkpoint_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_checkpoint is append-only: % refused on checkpoint %', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
PG_TRIGGERS = [
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()",
    "CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()",
    "CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint "
    "FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_refuse_change()",
]
HAND_OVER = """
DO $$
DECLARE owner_role text := {owner};
BEGIN
    IF owner_role IS NULL OR owner_role = '' THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = owner_role) THEN
        RAISE WARNING 'AUDIT_TABLE_OWNER role % does not exist: audit tables left as they are', owner_role;
        RETURN;
    END IF;
    EXECUTE format('GRANT SELECT, INSERT ON audit_event, audit_checkpoint TO %I', current_user);
    EXECUTE format('ALTER TABLE audit_event OWNER TO %I', owner_role);
    EXECUTE format('ALTER TABLE audit_checkpoint OWNER TO %I', owner_role);
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'could not hand the audit tables to %: do it as a superuser (README)', owner_role;
END $$
"""


def _timestamp(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_size", SEQ, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    with op.batch_alter_table("audit_checkpoint") as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_checkpoint_tree_size"), ["tree_size"], unique=False)
    op.create_table(
        "security_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_event")),
    )
    with op.batch_alter_table("security_event") as batch_op:
        batch_op.create_index(batch_op.f("ix_security_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_security_event_user_id"), ["user_id"], unique=False)
    op.create_table(
        "audit_person",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_audit_person")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_audit_person_pseudonym")),
    )

    old_rows = bind.execute(sa.text(
        "SELECT seq, occurred_at, actor, action, subject_type, subject_id, payload "
        "FROM audit_event ORDER BY seq")).mappings().all()
    if postgres:
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    op.execute("DELETE FROM audit_event")
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_constraint("uq_audit_event_hash", type_="unique")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("hash")
        batch_op.add_column(sa.Column("private_payload", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("private_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("leaf_hash", sa.String(length=64), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("nodes", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("signature", sa.String(length=100), nullable=True))
    _rewrite_events(bind, old_rows)
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.alter_column("leaf_hash", server_default=None)
        batch_op.alter_column("nodes", server_default=None)
    if postgres:
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
        op.execute(REFUSE_TRUNCATE_FUNCTION)
        op.execute(REFUSE_CHECKPOINT_CHANGE_FUNCTION)
        for statement in PG_TRIGGERS:
            op.execute(statement)
        owner = os.environ.get("AUDIT_TABLE_OWNER", "")
        quoted = "'" + owner.replace("'", "''") + "'" if owner else "NULL"
        op.execute(HAND_OVER.format(owner=quoted))


def _rewrite_events(bind, old_rows):
    from commonpot.audit import fields
    from commonpot_verify import merkle
    from commonpot_verify.log import event_bytes

    key = secrets.token_bytes(32)
    pseudonyms = {}

    def person(user_id):
        if isinstance(user_id, str) and not user_id.isdigit():
            return user_id  # already a pseudonym (a log that was downgraded and comes back)
        user_id = int(user_id)
        if user_id not in pseudonyms:
            salt = secrets.token_hex(16)
            digest = hmac.new(key, f"{user_id}:{salt}".encode(), hashlib.sha256).hexdigest()[:20]
            pseudonyms[user_id] = "person-" + digest
            bind.execute(sa.text("INSERT INTO audit_person (user_id, pseudonym) VALUES (:u, :p)"),
                         {"u": user_id, "p": pseudonyms[user_id]})
        return pseudonyms[user_id]

    compact = []
    size = 0
    for row in old_rows:
        data = json.loads(row["payload"] or "{}")
        actor = row["actor"]
        actor_id = int(actor[5:]) if actor.startswith("user:") and actor[5:].isdigit() else None
        if row["action"] in fields.SECURITY_ACTIONS:
            user_id = actor_id
            if user_id is None and row["subject_type"] == "user" and row["subject_id"]:
                user_id = int(row["subject_id"])
            bind.execute(sa.text(
                "INSERT INTO security_event (occurred_at, user_id, action, payload) "
                "VALUES (:at, :user_id, :action, :payload)"),
                {"at": row["occurred_at"], "user_id": user_id, "action": row["action"],
                 "payload": _canonical(data)})
            continue
        declared = fields.ACTIONS.get(row["action"], {})
        public, private = {}, {}
        for name, value in data.items():
            kind = declared.get(name, fields.PRIVATE)
            if kind == fields.PRIVATE:
                private[name] = value
            elif kind == fields.PERSON and value is not None:
                public[name] = person(value)
            elif kind == fields.PAIRS and value is not None:
                public[name] = [[person(pair[0]), *pair[1:]] for pair in value]
            else:
                public[name] = value
        subject_id = row["subject_id"]
        if subject_id is not None and row["subject_type"] in fields.PERSON_SUBJECTS:
            subject_id = person(subject_id)
        private_payload = private_digest = None
        if private:
            private_payload = _canonical({"salt": secrets.token_hex(16), "fields": private})
            private_digest = hashlib.sha256(private_payload.encode()).hexdigest()
        event = {"seq": size + 1, "occurred_at": _timestamp(row["occurred_at"]),
                 "actor": person(actor_id) if actor_id is not None else actor,
                 "action": row["action"], "subject_type": row["subject_type"],
                 "subject_id": subject_id, "payload": public, "private_digest": private_digest}
        leaf = merkle.leaf_hash(event_bytes(event))
        completed = merkle.compact_append(compact, size, leaf)
        size += 1
        bind.execute(sa.text(
            "INSERT INTO audit_event (seq, occurred_at, actor, action, subject_type, subject_id, "
            "payload, private_payload, private_digest, leaf_hash, nodes, signature) VALUES "
            "(:seq, :at, :actor, :action, :subject_type, :subject_id, :payload, :private_payload, "
            ":private_digest, :leaf_hash, :nodes, NULL)"),
            {"seq": event["seq"], "at": row["occurred_at"], "actor": event["actor"],
             "action": event["action"], "subject_type": event["subject_type"],
             "subject_id": subject_id, "payload": _canonical(public),
             "private_payload": private_payload, "private_digest": private_digest,
             "leaf_hash": leaf.hex(), "nodes": "".join(n.hex() for n in completed[1:])})


def downgrade():
    """Back to the hash chain: private fields rejoin the payload, security events rejoin the
    trail in time order, and the chain is recomputed. Checkpoints and pseudonym links go (the
    pseudonyms stay in the events: a downgrade does not re-identify anyone)."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_checkpoint")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_checkpoint")
        op.execute("DROP FUNCTION IF EXISTS audit_refuse_truncate()")
        op.execute("DROP FUNCTION IF EXISTS audit_checkpoint_refuse_change()")
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    rows = []
    for row in bind.execute(sa.text(
            "SELECT occurred_at, actor, action, subject_type, subject_id, payload, private_payload "
            "FROM audit_event ORDER BY seq")).mappings():
        data = json.loads(row["payload"])
        if row["private_payload"]:
            data.update(json.loads(row["private_payload"])["fields"])
        rows.append((_timestamp(row["occurred_at"]), row["occurred_at"], row["actor"], row["action"],
                     row["subject_type"], row["subject_id"], data))
    for row in bind.execute(sa.text(
            "SELECT occurred_at, user_id, action, payload FROM security_event ORDER BY id")).mappings():
        actor = f"user:{row['user_id']}" if row["user_id"] is not None else "system"
        rows.append((_timestamp(row["occurred_at"]), row["occurred_at"], actor, row["action"], "user",
                     None if row["user_id"] is None else str(row["user_id"]),
                     json.loads(row["payload"])))
    rows.sort(key=lambda r: r[0])
    op.execute("DELETE FROM audit_event")
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_column("signature")
        batch_op.drop_column("nodes")
        batch_op.drop_column("leaf_hash")
        batch_op.drop_column("private_digest")
        batch_op.drop_column("private_payload")
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=False, server_default=""))
    prev = "0" * 64
    for seq, (stamp, at, actor, action, subject_type, subject_id, data) in enumerate(rows, start=1):
        digest = hashlib.sha256(_canonical({
            "seq": seq, "occurred_at": stamp, "actor": actor, "action": action,
            "subject_type": subject_type, "subject_id": subject_id, "payload": data,
            "prev_hash": prev}).encode()).hexdigest()
        bind.execute(sa.text(
            "INSERT INTO audit_event (seq, occurred_at, actor, action, subject_type, subject_id, "
            "payload, prev_hash, hash) VALUES (:seq, :at, :actor, :action, :st, :sid, :payload, "
            ":prev, :hash)"),
            {"seq": seq, "at": at, "actor": actor, "action": action, "st": subject_type,
             "sid": subject_id, "payload": _canonical(data), "prev": prev, "hash": digest})
        prev = digest
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.alter_column("prev_hash", server_default=None)
        batch_op.alter_column("hash", server_default=None)
        batch_op.create_unique_constraint("uq_audit_event_hash", ["hash"])
    if postgres:
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    op.drop_table("audit_person")
    with op.batch_alter_table("security_event") as batch_op:
        batch_op.drop_index(batch_op.f("ix_security_event_user_id"))
        batch_op.drop_index(batch_op.f("ix_security_event_action"))
    op.drop_table("security_event")
    with op.batch_alter_table("audit_checkpoint") as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_checkpoint_tree_size"))
    op.drop_table("audit_checkpoint")
