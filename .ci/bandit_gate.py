"""Run bandit over the application packages; fail on any finding not in bandit-allowlist.toml.

Each allow-list entry names the file, the bandit test id and the code on the flagged line,
with the reason a reviewer accepted it. Entries that no longer match anything are reported
so the list does not rot.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["commonpot", "grants", "voting", "payments"]


def main() -> int:
    allow = tomllib.loads((ROOT / "bandit-allowlist.toml").read_text())["allow"]
    missing_reason = [a for a in allow if not str(a.get("reason", "")).strip()]
    if missing_reason:
        print(f"allow-list entries without a reason: {missing_reason}")
        return 1
    run = subprocess.run(  # noqa: S603 - a fixed command, no shell, our own arguments
        [sys.executable, "-m", "bandit", "-q", "-r", *PACKAGES, "-f", "json"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1) or not run.stdout.strip():
        print(run.stderr or "bandit did not run")
        return 2
    findings = json.loads(run.stdout)["results"]
    used = set()
    unreviewed = []
    for finding in findings:
        line = (ROOT / finding["filename"]).read_text().splitlines()[finding["line_number"] - 1]
        for index, entry in enumerate(allow):
            if (entry["path"] == finding["filename"] and entry["test"] == finding["test_id"]
                    and entry["code"] in line):
                used.add(index)
                break
        else:
            unreviewed.append(f"{finding['filename']}:{finding['line_number']} {finding['test_id']} "
                              f"{finding['issue_severity']}: {finding['issue_text']}\n    {line.strip()}")
    for index, entry in enumerate(allow):
        if index not in used:
            print(f"warning: allow-list entry matches nothing now: {entry['path']} {entry['test']}")
    if unreviewed:
        print("bandit findings not in bandit-allowlist.toml (fix them, or review and add them "
              "with a reason):\n" + "\n".join(unreviewed))
        return 1
    print(f"bandit: {len(findings)} findings, all reviewed in bandit-allowlist.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
