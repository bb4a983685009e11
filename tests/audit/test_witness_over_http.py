"""`commonpot audit witness URL` against a real HTTP server: it keeps the checkpoint it saw and
fails loudly when the site later shows a shorter log."""

import threading

from sqlalchemy import text
from werkzeug.serving import make_server

from tests.audit.helpers import as_database_owner, checkpoint, fill
from tests.helpers import run_cli


def test_the_witness_command_keeps_the_checkpoint_and_alarms_on_a_rollback(
        request, app_config, database_url, tmp_path):
    app_config.pop("SERVER_NAME")  # a real server answers on 127.0.0.1:<port>
    app = request.getfixturevalue("app")
    session = request.getfixturevalue("session")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/"
    state = tmp_path / "witness.json"
    try:
        fill(session, 4)
        checkpoint(session)
        first = run_cli(app, "audit", "witness", url, "--state", str(state))
        assert first.exit_code == 0 and "checkpoint of 4 events is consistent" in first.output
        fill(session, 2, start=4)
        checkpoint(session)
        grown = run_cli(app, "audit", "witness", url, "--state", str(state))
        assert grown.exit_code == 0 and "(was 4)" in grown.output
        with as_database_owner(database_url) as conn:
            conn.execute(text("DELETE FROM audit_checkpoint"))
            conn.execute(text("DELETE FROM audit_event WHERE seq > 2"))
        checkpoint(session)
        alarm = run_cli(app, "audit", "witness", url, "--state", str(state))
        assert alarm.exit_code == 1 and "ROLLBACK" in alarm.output
    finally:
        server.shutdown()
        thread.join()
