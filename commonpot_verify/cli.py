"""The `commonpot-verify` command.

    commonpot-verify log SOURCE [--key KEY] [--checkpoint NOTE_FILE] [--all-signatures]
    commonpot-verify board SOURCE --round N [--key KEY] [--download FILE ...]
    commonpot-verify proof BUNDLE.json --key KEY
    commonpot-verify witness URL --state FILE [--key KEY]

SOURCE is a site's address (https://...) or a file from `commonpot audit export`. Exit code 0
means every check passed; 1 means a check failed and the message names the first failure;
2 means the command could not run (bad arguments, unreachable site).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from commonpot_verify import board as published_board
from commonpot_verify import merkle
from commonpot_verify.log import subtree_from_levels, verify_log  # noqa: F401 - re-exported
from commonpot_verify.note import NoteError, open_checkpoint, parse_verifier
from commonpot_verify.proofs import verify_inclusion_bundle
from commonpot_verify.sources import ExportFile, Site, http_get
from commonpot_verify.witness import WitnessAlarm, witness

FAILED = 1
UNUSABLE = 2


def _source(text: str, fetch=http_get):
    if text.startswith(("http://", "https://")):
        return Site(text, fetch)
    return ExportFile(text)


def _verifier(source, key: str | None, out):
    published = source.key()
    if key:
        verifier = parse_verifier(key)
        if published.get("verifier_key") and published["verifier_key"] != str(verifier):
            print("FAILED: the log names a different key from the one you gave", file=out)
            return None, None
    else:
        verifier = parse_verifier(published["verifier_key"])
        print(f"note: trusting the key the log itself names ({verifier}); pass --key to pin it",
              file=out)
    return verifier, published.get("origin")


def run_log(source, key: str | None, held: list[str], all_signatures: bool, out) -> int:
    verifier, origin = _verifier(source, key, out)
    if verifier is None:
        return FAILED
    trusted = []
    for note in held:
        try:
            trusted.append(open_checkpoint(note, verifier, origin))
        except NoteError as exc:
            print(f"FAILED: the checkpoint you hold does not verify: {exc}", file=out)
            return FAILED
    notes = source.checkpoint_notes()
    started = time.perf_counter()
    report = verify_log(source.events(), notes, verifier, origin, trusted, all_signatures)
    if not report.ok:
        print(f"FAILED: {report.problem}", file=out)
        return FAILED
    if isinstance(source, Site):
        problem = _check_site_consistency(source, notes, verifier, origin)
        if problem:
            print(f"FAILED: {problem}", file=out)
            return FAILED
    for line in report.notes:
        print(f"note: {line}", file=out)
    print(f"OK: {report.checked} events, {report.checkpoints} signed checkpoints; root "
          f"{report.root.hex()} ({time.perf_counter() - started:.2f} s)", file=out)
    return 0


def run_board(source, key: str | None, round_id: int, downloads: list[str], out) -> int:
    """Check the log, rebuild the round's board from its leaves, and check it against the
    announced hashes and against each download (fetched from the site when SOURCE is one)."""
    verifier, origin = _verifier(source, key, out)
    if verifier is None:
        return FAILED
    report = verify_log(source.events(), source.checkpoint_notes(), verifier, origin)
    if not report.ok:
        print(f"FAILED: {report.problem}", file=out)
        return FAILED
    files = {path: Path(path).read_text(encoding="utf-8") for path in downloads}
    try:
        board = published_board.collect(source.events(), round_id)
        published_board.check_leaves(board)
        if isinstance(source, Site) and not downloads:
            files = source.board_downloads(round_id, sorted(
                {vote[0] for ballot in board.ballots for vote in ballot["votes"]}))
        for name, text in files.items():
            published_board.check_download(board, name, text)
    except published_board.BoardMismatch as exc:
        print(f"FAILED: {exc}", file=out)
        return FAILED
    first = board.ballot_seqs[0] - 1 if board.ballot_seqs else None
    where = f" (leaves {first} to {first + len(board.ballots) - 1})" if first is not None else ""
    print(f"OK: round {round_id}'s board holds the {len(board.ballots)} ballots{where} and "
          f"{len(board.receipts)} receipts of the signed log; board SHA-256 "
          f"{board.announcement['board_sha256']}", file=out)
    for name in files:
        print(f"OK: {name} matches the log", file=out)
    return 0


def _check_site_consistency(site: Site, notes: list[str], verifier, origin) -> str | None:
    """Ask the site for a consistency proof between each pair of successive checkpoints."""
    checkpoints = [open_checkpoint(note, verifier, origin) for note in notes]
    for older, newer in zip(checkpoints, checkpoints[1:], strict=False):
        if older.size == 0 or older.size == newer.size:
            continue
        try:
            merkle.verify_consistency(older.size, newer.size, site.consistency(older.size, newer.size),
                                      older.root, newer.root)
        except merkle.ProofError as exc:
            return f"checkpoints of size {older.size} and {newer.size} are not consistent: {exc}"
    return None


def main(argv: list[str] | None = None, fetch=http_get, out=None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="commonpot-verify", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    log = commands.add_parser("log", help="check a whole log (site URL or export file)")
    log.add_argument("source")
    log.add_argument("--key", help="the site's verifier key (name+id+key), to pin it")
    log.add_argument("--checkpoint", action="append", default=[],
                     help="a signed checkpoint you saved earlier; the log must extend it")
    log.add_argument("--all-signatures", action="store_true",
                     help="check every event's signature, not only those after the last checkpoint")
    board = commands.add_parser("board", help="check a closed round's published ballots against "
                                              "the log's leaves (and its downloads)")
    board.add_argument("source")
    board.add_argument("--round", type=int, required=True, dest="round_id")
    board.add_argument("--key", help="the site's verifier key (name+id+key), to pin it")
    board.add_argument("--download", action="append", default=[],
                       help="a ballots CSV, receipts CSV or district .pb of the round, checked "
                            "byte for byte (from a site, all of them are fetched unless given)")
    proof = commands.add_parser("proof", help="check an inclusion proof (a receipt) offline")
    proof.add_argument("bundle")
    proof.add_argument("--key", required=True)
    wit = commands.add_parser("witness", help="remember a site's checkpoint; alarm on fork or rollback")
    wit.add_argument("url")
    wit.add_argument("--state", required=True)
    wit.add_argument("--key")
    args = parser.parse_args(argv)
    try:
        if args.command == "log":
            held = [Path(p).read_text(encoding="utf-8") for p in args.checkpoint]
            return run_log(_source(args.source, fetch), args.key, held, args.all_signatures, out)
        if args.command == "board":
            return run_board(_source(args.source, fetch), args.key, args.round_id, args.download, out)
        if args.command == "proof":
            bundle = json.loads(Path(args.bundle).read_text(encoding="utf-8"))
            try:
                checkpoint = verify_inclusion_bundle(bundle, parse_verifier(args.key))
            except (merkle.ProofError, NoteError) as exc:
                print(f"FAILED: {exc}", file=out)
                return FAILED
            event = bundle.get("event") or {}
            what = (f" (receipt {event['payload']['receipt']} of round {event['subject_id']})"
                    if event.get("action") == published_board.RECEIPT_LEAF else "")
            print(f"OK: leaf {bundle['index']}{what} is in the signed tree of {checkpoint.size} "
                  f"({checkpoint.origin})", file=out)
            return 0
        try:
            result = witness(Site(args.url, fetch), args.state, args.key)
        except (WitnessAlarm, NoteError) as exc:
            print(f"ALARM: {exc}", file=out)
            return FAILED
        print(f"OK: {result.message}", file=out)
        return 0
    except (OSError, ValueError, KeyError) as exc:
        print(f"could not run: {exc}", file=out)
        return UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
