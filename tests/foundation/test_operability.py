"""Health and readiness checks, request ids in responses, logs and error pages."""

from __future__ import annotations

import io
import json
import logging

from sqlalchemy import create_engine, text

from commonpot.app import create_app
from commonpot.logs import JsonFormatter, RequestIdFilter


def test_healthz_answers_without_the_database(app_config, tmp_path):
    gone = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/dir.db"})
    client = gone.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["status"] == "error" and ready.get_json()["database"] != "ok"


def test_readyz_checks_the_database_and_migrations(client, database_url):
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json() == {"status": "ok", "database": "ok", "migrations": "at head",
                                "jobs": "in-process"}

    # On PostgreSQL the whole session shares one migrated database: put the version back.
    engine = create_engine(database_url)
    with engine.begin() as conn:
        heads = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0006')"))
    try:
        behind = client.get("/readyz")
        assert behind.status_code == 503 and behind.get_json()["migrations"] == "behind"
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version"))
            for head in heads:
                conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})
        engine.dispose()


def test_readyz_fails_when_redis_is_unreachable(app_config, database_url):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": database_url,
                      "JOBS_REDIS_URL": "redis://127.0.0.1:1/0"})
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["database"] == "ok" and ready.get_json()["redis"]


def test_every_response_carries_a_request_id_and_error_pages_show_it(client):
    first = client.get("/")
    second = client.get("/")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]

    missing = client.get("/no-such-page", headers={"X-Request-Id": "proxy-given-1234"})
    assert missing.headers["X-Request-Id"] == "proxy-given-1234"
    assert "proxy-given-1234" in missing.get_data(as_text=True)
    # A header that is not a plain id is replaced, not echoed into pages and logs.
    odd = client.get("/", headers={"X-Request-Id": "<script>x</script>"})
    assert "<" not in odd.headers["X-Request-Id"]


def test_json_log_lines_carry_the_request_id(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("commonpot.test-logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with app.test_request_context("/vote/1", headers={"X-Request-Id": "abcdef123456"}):
            app.preprocess_request()
            logger.info("cast stored")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["request_id"] == "abcdef123456"
    assert line["message"] == "cast stored" and line["path"] == "/vote/1" and line["level"] == "info"
