"""Audit log figures: appending through the real `record()` (tree head cost per append), and
the independent verifier over an exported log of a million events.

    python benchmarks/audit.py [--appends 100000] [--verify 1000000]

Appends run on a migrated SQLite file (DATABASE_URL to use PostgreSQL instead). The
million-event log is built with the same leaf and signature code the app uses, with a signed
checkpoint every 10,000 events, written as an export file, then checked by commonpot-verify.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import tempfile
import time
from pathlib import Path

from commonpot_verify import cli as verify_cli
from commonpot_verify import merkle
from commonpot_verify.log import canonical_json, event_bytes, export_line, signature_message
from commonpot_verify.note import Checkpoint, generate_signer, sign_checkpoint


def bench_appends(count: int) -> None:
    from commonpot import audit
    from commonpot.app import create_app
    from commonpot.cli import upgrade_database
    from commonpot.extensions import db

    folder = Path(tempfile.mkdtemp())
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUDIT_SIGNING_KEY_FILE": str(folder / "k")})
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


def build_export(path: Path, count: int, every: int = 10_000) -> str:
    signer = generate_signer("bench.example/audit")
    origin = "bench.example/audit"
    compact: list[bytes] = []
    checkpoints = []
    with path.open("w", encoding="utf-8") as out:
        out.write(canonical_json({"type": "log", "origin": origin,
                                  "verifier_key": str(signer.verifier), "size": count}) + "\n")
        for index in range(count):
            event = {"seq": index + 1, "occurred_at": "2026-12-01T12:00:00.000000Z",
                     "actor": "person-0123456789abcdef0123", "action": "grants.fund_themes_set",
                     "subject_type": "fund", "subject_id": str(index % 97),
                     "payload": {"themes": [f"theme {index}"]}, "private_digest": None}
            leaf = merkle.leaf_hash(event_bytes(event))
            merkle.compact_append(compact, index, leaf)
            signature = base64.b64encode(signer.sign(signature_message(leaf))).decode()
            out.write(export_line({**event, "leaf_hash": leaf.hex(), "signature": signature}) + "\n")
            if (index + 1) % every == 0:
                checkpoints.append(sign_checkpoint(
                    Checkpoint(origin, index + 1, merkle.compact_root(compact)), signer))
        for note in checkpoints:
            out.write(canonical_json({"type": "checkpoint", "note": note}) + "\n")
    return str(signer.verifier)


def bench_verify(count: int) -> None:
    path = Path(tempfile.mkdtemp()) / "log.jsonl"
    started = time.perf_counter()
    key = build_export(path, count)
    print(f"built an export of {count} signed events in {time.perf_counter() - started:.1f} s "
          f"({path.stat().st_size / 1e6:.0f} MB)")
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
    args = parser.parse_args()
    calibrate()
    if args.appends:
        bench_appends(args.appends)
    if args.verify:
        bench_verify(args.verify)


if __name__ == "__main__":
    main()
