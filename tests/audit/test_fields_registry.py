"""Every audit call in the code names a declared action and only declared fields, so nothing
reaches the public log that fields.py has not classed public (checked from the source, so a
new call site is caught even before a test exercises it)."""

import ast
from pathlib import Path

from commonpot.audit import fields

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("commonpot", "grants", "voting", "payments")


def _calls():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name == "record" and len(node.args) >= 3:
                    action, data = node.args[2], (node.args[5] if len(node.args) > 5 else None)
                    data = next((k.value for k in node.keywords if k.arg == "data"), data)
                    yield path, node.lineno, action, data


def test_every_recorded_action_and_field_is_declared():
    problems, seen = [], 0
    for path, line, action, data in _calls():
        where = f"{path.relative_to(ROOT)}:{line}"
        if isinstance(action, ast.Constant):
            actions = [action.value]
        elif isinstance(action, ast.JoinedStr) and isinstance(action.values[0], ast.Constant):
            # f"ledger.{kind}": some declared action of that family must take these fields
            prefix = action.values[0].value
            keys = {k.value for k in getattr(data, "keys", []) if isinstance(k, ast.Constant)}
            actions = [a for a in fields.ACTIONS if a.startswith(prefix) and keys <= set(fields.ACTIONS[a])]
            if not actions:
                problems.append(f"{where}: no declared {prefix}* action takes fields {sorted(keys)}")
        else:
            continue
        seen += 1
        for name in actions:
            if name in fields.SECURITY_ACTIONS:
                continue
            if name not in fields.ACTIONS:
                problems.append(f"{where}: action {name!r} is not declared")
                continue
            if isinstance(data, ast.Dict):
                for key in data.keys:
                    if isinstance(key, ast.Constant) and key.value not in fields.ACTIONS[name]:
                        problems.append(f"{where}: field {key.value!r} of {name!r} is not declared")
    assert seen > 50  # the walk found the call sites
    assert not problems, "\n".join(problems)
