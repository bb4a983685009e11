"""The bare stack the vote-day benchmark compares against: the same gunicorn, PostgreSQL and
database as Commonpot, and a Flask app whose only endpoint does one insert.

The insert goes into `login_attempt`, a table our own Alembic migrations create (the
benchmark's scratch database is upgraded with them before anything runs); nothing here
creates a table. Like a cast, it writes one indexed row in one transaction on a pooled
connection with pre-ping, so the ratio of the two rates is what Commonpot's own work costs.

    BARE_DATABASE_URL=postgresql+psycopg://... gunicorn 'benchmarks.bare_app:create_app()'
"""

from __future__ import annotations

import os

from flask import Flask, request
from sqlalchemy import create_engine, func, insert

from commonpot.accounts.models import LoginAttempt


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["BARE_DATABASE_URL"], pool_pre_ping=True)
    table = LoginAttempt.__table__

    @app.post("/hit")
    def record_hit():
        with engine.begin() as conn:
            conn.execute(insert(table).values(email="bare@bench.example",
                                              remote_addr=request.remote_addr or "-",
                                              succeeded=True, attempted_at=func.now()))
        return "ok"

    return app
