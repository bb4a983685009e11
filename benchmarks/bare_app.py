"""The bare stack the vote-day benchmark compares against: the same gunicorn and PostgreSQL,
a Flask app whose only endpoint does one insert into a one-table database.

    gunicorn 'benchmarks.bare_app:create_app()'   (BARE_DATABASE_URL=postgresql+psycopg://...)
"""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, create_engine, func, insert

metadata = MetaData()
hit = Table("bare_hit", metadata, Column("id", Integer, primary_key=True),
            Column("at", DateTime(timezone=True), server_default=func.now()))


def create_table(url: str) -> None:
    """Once, before gunicorn starts (workers creating it at once would race)."""
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["BARE_DATABASE_URL"], pool_pre_ping=True)

    @app.post("/hit")
    def record_hit():
        with engine.begin() as conn:
            conn.execute(insert(hit))
        return "ok"

    return app
