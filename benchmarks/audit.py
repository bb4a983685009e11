"""Audit log figures: appending through the real `record()` (tree head cost per append), and
verifying a log of a million events, both with `commonpot audit verify` (on the database)
and with the independent verifier (`commonpot-verify log` on `commonpot audit export`).

    python benchmarks/audit.py                        # full size: 100,000 appends, 1,000,000 to verify
    python benchmarks/audit.py --smoke                # small sizes, to see that it runs
    python benchmarks/audit.py --appends 0 --verify 200000

Runs on a migrated SQLite file; DATABASE_URL=postgresql://... to use PostgreSQL instead (a
scratch database: its audit tables are filled). The log to verify is built with the same
leaf, node and signature code the app uses, one signed checkpoint every 10,000 events and
the last 1,000 events after the last checkpoint (so their signatures are checked one by one),
and written straight into the table; then both verifiers check it, timed.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code first

from commonpot_verify import cli as verify_cli
from commonpot_verify import merkle
from commonpot_verify.log import canonical_json, event_bytes, signature_message
from commonpot_verify.note import Checkpoint, sign_checkpoint


def bench_appends(count: int) -> None:
    from commonpot import audit
    from commonpot.cli import upgrade_database
    from commonpot.extensions import db

    app = _app(Path(tempfile.mkdtemp()))
    with app.app_context():
        upgrade_database()
        batch = 1000
        every = max(count // 5 // batch * batch, batch)
        started = time.perf_counter()
        window = started
        for done in range(0, count, batch):
            for i in range(done, done + batch):
                audit.record(db.session, "system", "grants.fund_themes_set", "fund", i,
                             {"themes": [f"theme {i}"]})
            db.session.commit()
            if (done + batch) % every == 0:
                now = time.perf_counter()
                print(f"  {done + batch:>7} events: {(now - window) / every * 1e6:7.0f} us per append "
                      f"(tree head included)")
                window = now
        total = time.perf_counter() - started
        print(f"appended {count} events in {total:.1f} s ({total / count * 1e6:.0f} us each)")
        started = time.perf_counter()
        for _ in range(100):
            audit.root_at(db.session, audit.tree_size(db.session))
        print(f"tree head of {count}: {(time.perf_counter() - started) / 100 * 1e3:.2f} ms "
              f"(from {bin(count).count('1')} stored nodes)")
        started = time.perf_counter()
        audit.sign_checkpoint(db.session, reason="benchmark")
        db.session.commit()
        print(f"first checkpoint over {count} events (re-checks every signature): "
              f"{time.perf_counter() - started:.1f} s")


def _events(count: int, signer, origin: str, every: int = 10_000, tail: int = 1_000):
    """(row dict for audit_event, checkpoint rows) of a synthetic signed log, built with the
    app's own leaf, node and signature code."""
    from datetime import UTC, datetime, timedelta

    from commonpot.audit.models import timestamp

    compact: list[bytes] = []
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    last = max(count - tail, 0)
    for index in range(count):
        moment = start + timedelta(microseconds=index * 1_000)
        payload = {"themes": [f"theme {index}", "ünïcode"]}
        event = {"seq": index + 1, "occurred_at": timestamp(moment),
                 "actor": "person-0123456789abcdef0123", "action": "grants.fund_themes_set",
                 "subject_type": "fund", "subject_id": str(index % 97), "payload": payload,
                 "private_digest": None}
        leaf = merkle.leaf_hash(event_bytes(event))
        completed = merkle.compact_append(compact, index, leaf)
        signature = base64.b64encode(signer.sign(signature_message(leaf))).decode()
        yield {**event, "occurred_at": moment, "payload": canonical_json(payload),
               "private_payload": None, "leaf_hash": leaf.hex(),
               "nodes": "".join(n.hex() for n in completed[1:]), "signature": signature}, None
        if index + 1 <= last and ((index + 1) % every == 0 or index + 1 == last):
            root = merkle.compact_root(compact)
            yield None, {"tree_size": index + 1, "root_hash": root.hex(), "reason": "benchmark",
                         "note": sign_checkpoint(Checkpoint(origin, index + 1, root), signer),
                         "signed_at": moment}


def build_database(app, count: int) -> None:
    from commonpot.audit.keys import keys
    from commonpot.audit.models import AuditCheckpoint, AuditEvent
    from commonpot.db import insert_rows
    from commonpot.extensions import db

    signer, origin = keys().signer, keys().origin
    events, checkpoints = [], []
    for event, checkpoint in _events(count, signer, origin):
        if event:
            events.append(event)
        else:
            checkpoints.append(checkpoint)
        if len(events) >= 20_000:
            insert_rows(db.session, AuditEvent.__table__, events)
            events = []
    insert_rows(db.session, AuditEvent.__table__, events)
    insert_rows(db.session, AuditCheckpoint.__table__, checkpoints)
    db.session.commit()


def bench_verify(count: int) -> None:
    from commonpot.cli import upgrade_database
    from commonpot.extensions import db

    folder = Path(tempfile.mkdtemp())
    app = _app(folder)
    with app.app_context():
        upgrade_database()
        if db.session.execute(db.text("SELECT count(*) FROM audit_event")).scalar():
            raise SystemExit("the database's audit log is not empty: give a scratch database")
        started = time.perf_counter()
        build_database(app, count)
        print(f"built a signed log of {count} events in the database in "
              f"{time.perf_counter() - started:.1f} s")
    runner = app.test_cli_runner()
    started = time.perf_counter()
    result = runner.invoke(args=["audit", "verify"])
    elapsed = time.perf_counter() - started
    print(result.output.strip())
    print(f"commonpot audit verify of {count} events: {elapsed:.1f} s (goal: under 10 s); "
          f"exit {result.exit_code}")

    path = folder / "log.jsonl"
    started = time.perf_counter()
    result = runner.invoke(args=["audit", "export", str(path)])
    assert result.exit_code == 0, result.output
    print(f"commonpot audit export: {time.perf_counter() - started:.1f} s "
          f"({path.stat().st_size / 1e6:.0f} MB)")
    with app.app_context():
        from commonpot.audit.keys import keys

        key = str(keys().verifier)
    out = io.StringIO()
    started = time.perf_counter()
    code = verify_cli.main(["log", str(path), "--key", key], out=out)
    elapsed = time.perf_counter() - started
    print(out.getvalue().strip())
    print(f"commonpot-verify log of {count} events: {elapsed:.1f} s (goal: under 10 s); exit {code}")
    out = io.StringIO()
    started = time.perf_counter()
    verify_cli.main(["log", str(path), "--key", key, "--all-signatures"], out=out)
    print(f"  with --all-signatures (every Ed25519 signature): {time.perf_counter() - started:.1f} s")


def _app(folder: Path):
    from commonpot.app import create_app

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite'}"
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "AUDIT_SIGNING_KEY_FILE": str(folder / "k"),
                       "PUBLIC_BASE_URL": "http://bench.example"})


def calibrate() -> None:
    """How fast this machine is right now (shared machines vary): a fixed amount of hashing."""
    import hashlib

    data = b"x" * 200
    started = time.perf_counter()
    for _ in range(200_000):
        hashlib.sha256(data).digest()
    print(f"calibration: 200,000 SHA-256 of 200 bytes took {time.perf_counter() - started:.2f} s "
          f"(about 0.1 s on an idle laptop); load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=100_000)
    parser.add_argument("--verify", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true",
                        help="small sizes (2,000 appends, 20,000 to verify): does it run?")
    args = parser.parse_args()
    if args.smoke:
        args.appends, args.verify = 2_000, 20_000
    calibrate()
    if args.appends:
        bench_appends(args.appends)
    if args.verify:
        bench_verify(args.verify)


if __name__ == "__main__":
    main()
