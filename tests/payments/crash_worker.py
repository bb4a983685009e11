"""Pay one instalment in a separate process that dies before its commit (the crash test).

    python -m tests.payments.crash_worker <database-url> <instalment-id> <mode>

mode "die-before-commit": the process exits (os._exit, no cleanup) the moment the session
tries to commit, i.e. after Stripe created the Transfer and before our ledger has it.
mode "normal": pay and commit. Stripe settings come from the environment."""

from __future__ import annotations

import os
import sys

from sqlalchemy import event
from sqlalchemy.orm import Session

from commonpot.app import create_app
from commonpot.extensions import db
from payments import payouts, stripe_client


def main() -> None:
    url, instalment_id, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STRIPE_MAX_NETWORK_RETRIES": 0})
    with app.app_context():
        if mode == "die-before-commit":
            event.listen(Session, "before_commit", lambda _session: os._exit(17))
        result = payouts.pay_instalment(db.session, stripe_client.make_client(), instalment_id)
        db.session.commit()
        print(result.outcome, result.detail)


if __name__ == "__main__":
    main()
