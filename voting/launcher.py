"""The ``commonpot`` console script.

``commonpot tally ...`` goes straight to the counting engine's command: it imports neither
Flask nor the web app, which used to cost over a second before the file was even read.
Every other command goes to the Flask command line (:func:`commonpot.cli.main`), where
``tally`` is also registered, so ``flask --app commonpot.app:create_app tally`` still works.
It lives here because ``commonpot``'s package imports the app factory on import.
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] == "tally":
        from voting.counting.cli import tally

        tally.main(args=args[1:], prog_name="commonpot tally")
        return
    from commonpot.cli import main as flask_main

    flask_main.main(args=args, prog_name="commonpot")
