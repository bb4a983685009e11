"""Real servers for the job tests: an SMTP server that records what it receives, and a
private redis-server on a free port that a test may stop and start again."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailServer:
    """aiosmtpd on a fixed port, started and stopped on demand (the 'mail server down' fault)."""

    def __init__(self, port: int):
        self.port = port
        self.received: list[tuple[str, str]] = []  # (to, subject)
        self._controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        server = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):
                from email import message_from_bytes

                message = message_from_bytes(envelope.content)
                for to in envelope.rcpt_tos:
                    server.received.append((to, message["Subject"]))
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def mail_server():
    server = MailServer(free_port())
    yield server
    server.stop()


@pytest.fixture
def mail_config(app_config, mail_server):
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail_server.port, MAIL_USE_TLS=False,
                      MAIL_TIMEOUT=2)
    return app_config


class RedisServer:
    def __init__(self, port: int, directory):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()
