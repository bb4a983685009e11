"""The log's rows as leaf bytes, streamed: what `audit verify` and checkpoint signing read.

Made for a million events in seconds: rows come as plain tuples (no ORM objects), and each
leaf's bytes are built straight from the stored columns. The payload is stored as the
canonical JSON text that was hashed, so it goes into the leaf as it stands, with no decoding
and re-encoding; only a row whose bytes do not match its stated leaf hash is decoded and
re-encoded the slow way (exactly as the leaf rule reads) before anyone reports it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.audit.models import AuditEvent
from commonpot_verify.log import RawEvent, canonical_json

STREAM_BATCH = 10_000
_TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"  # commonpot.audit.models.timestamp, for UTC values
_encode = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) uses


def _text(value: str | None) -> str:
    return "null" if value is None else _encode(value)


def leaf_text(seq: int, occurred_at: str, actor: str, action: str, subject_type: str,
              subject_id: str | None, payload: str, private_digest: str | None) -> str:
    """The canonical JSON of an event's leaf fields, from its stored columns (sorted keys)."""
    return ('{"action":' + _encode(action) + ',"actor":' + _encode(actor)
            + ',"occurred_at":"' + occurred_at
            + '","payload":' + payload + ',"private_digest":' + _text(private_digest)
            + ',"seq":' + str(seq) + ',"subject_id":' + _text(subject_id)
            + ',"subject_type":' + _encode(subject_type) + "}")


def _slow_leaf_bytes(row, occurred_at: str) -> bytes:
    seq, _, actor, action, subject_type, subject_id, payload, private_digest = row[:8]
    try:
        parsed = json.loads(payload)
    except ValueError:
        return payload.encode("utf-8", "replace")
    return canonical_json({"seq": seq, "occurred_at": occurred_at, "actor": actor, "action": action,
                           "subject_type": subject_type, "subject_id": subject_id,
                           "payload": parsed, "private_digest": private_digest}).encode("utf-8")


def _timestamp_of(stored) -> str:
    """The leaf's time from what the driver handed back (text or a datetime), in UTC."""
    if isinstance(stored, str):
        moment = datetime.fromisoformat(stored)
    else:
        moment = stored
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(_TIMESTAMP)


# Each event's leaf fields, the time as text made by the database (the stored UTC time with
# six decimals). SQLAlchemy stores SQLite times as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC); a row
# in any other shape fails the fast leaf and is read the slow way. The last column is the
# time as the driver hands it back, for that slow way.
_LEAF_SQL = {
    "postgresql": (
        "SELECT seq, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
        "actor, action, subject_type, subject_id, payload, private_digest, leaf_hash, signature, "
        "occurred_at FROM audit_event WHERE seq > %(after)s AND seq <= %(until)s ORDER BY seq"),
    "sqlite": (
        "SELECT seq, replace(occurred_at, ' ', 'T') || 'Z', actor, action, subject_type, "
        "subject_id, payload, private_digest, leaf_hash, signature, occurred_at FROM audit_event "
        "WHERE seq > :after AND seq <= :until ORDER BY seq"),
}
_NO_END = 2 ** 62


def leaf_rows(session: Session, after: int = 0, until: int | None = None) -> Iterator[RawEvent]:
    """(seq, leaf bytes, stated leaf hash, signature, leaf hash) of events after `after` (up
    to `until`), in order, streamed from the database by the driver's own cursor inside the
    session's transaction (a server-side cursor on PostgreSQL)."""
    connection = session.connection()
    dialect = connection.dialect.name
    sql = _LEAF_SQL.get(dialect)
    if sql is None:
        yield from _leaf_rows_portable(session, after, until)
        return
    raw = connection.connection.driver_connection
    if dialect == "postgresql":
        cursor = raw.cursor(name=f"audit_leaves_{secrets.token_hex(4)}")
        cursor.itersize = STREAM_BATCH
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql, {"after": int(after), "until": _NO_END if until is None else int(until)})
        sha256 = hashlib.sha256
        encode = _encode
        while True:
            rows = cursor.fetchmany(STREAM_BATCH)
            if not rows:
                break
            for row in rows:
                seq, occurred, actor, action, subject_type, subject_id, payload, digest = row[:8]
                data = ('{"action":' + encode(action) + ',"actor":' + encode(actor)
                        + ',"occurred_at":"' + occurred + '","payload":' + payload
                        + ',"private_digest":' + ("null" if digest is None else encode(digest))
                        + ',"seq":' + str(seq) + ',"subject_id":'
                        + ("null" if subject_id is None else encode(subject_id))
                        + ',"subject_type":' + encode(subject_type) + "}").encode("utf-8")
                leaf = sha256(b"\x00" + data).digest()
                stated = row[8]
                if stated is not None and leaf.hex() != stated:
                    # Not as the app wrote it, or not in the usual shape (a payload stored
                    # before it was kept canonical): decide the slow way, as the rule reads.
                    data = _slow_leaf_bytes(row, _timestamp_of(row[10]))
                    leaf = sha256(b"\x00" + data).digest()
                yield RawEvent((seq, data, stated, row[9], leaf))
    finally:
        cursor.close()


def _leaf_rows_portable(session: Session, after: int, until: int | None) -> Iterator[RawEvent]:
    table = AuditEvent.__table__
    query = (select(table.c.seq, table.c.occurred_at, table.c.actor, table.c.action,
                    table.c.subject_type, table.c.subject_id, table.c.payload,
                    table.c.private_digest, table.c.leaf_hash, table.c.signature)
             .where(table.c.seq > after).order_by(table.c.seq)
             .execution_options(yield_per=STREAM_BATCH))
    if until is not None:
        query = query.where(table.c.seq <= until)
    for row in session.execute(query):
        stamp = _timestamp_of(row[1])
        data = leaf_text(row[0], stamp, *row[2:8]).encode("utf-8")
        leaf = hashlib.sha256(b"\x00" + data).digest()
        if row[8] is not None and leaf.hex() != row[8]:
            data = _slow_leaf_bytes(row, stamp)
            leaf = hashlib.sha256(b"\x00" + data).digest()
        yield RawEvent((row[0], data, row[8], row[9], leaf))
