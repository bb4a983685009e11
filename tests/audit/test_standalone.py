"""The verifier stands alone: importing it loads no Flask, SQLAlchemy or Commonpot app code."""

import subprocess
import sys


def test_commonpot_verify_imports_no_flask_or_database_code():
    code = ("import sys, commonpot_verify.cli, commonpot_verify.witness, commonpot_verify.proofs; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'flask', 'sqlalchemy', 'commonpot', 'grants', 'voting', 'payments', 'psycopg'}); "
            "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_console_script_reports_unusable_input_with_exit_2(tmp_path):
    missing = tmp_path / "nope.jsonl"
    result = subprocess.run([sys.executable, "-m", "commonpot_verify.cli", "log", str(missing)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "could not run" in result.stdout
