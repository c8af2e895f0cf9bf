"""Frames cross processes: real web servers (uvicorn, as `make run` starts it), real
websocket clients, and the frame published from yet another process, the way a background
worker raises a notification. On the embedded default the database relays it; with
REDIS_URL set (CI's second run), channels-redis does."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from agora.accounts.tokens import issue_access_token
from tests.accounts.factories import UserFactory
from tests.core.brokers import free_port
from tests.processes import database_url

ROOT = Path(__file__).resolve().parents[2]


class Processes:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[subprocess.Popen[bytes]] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "agora.settings.base",
            "DATABASE_URL": database_url(),
            "DATABASE_POOL": "false",
            "AGORA_VAR_DIR": str(settings.VAR_DIR),
            # The test's own media folder, so that files it made are served.
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CHANNEL_LAYER_PREFIX": f"agora-test-live-{os.getpid()}",
        }

    def server(self, name: str) -> int:
        port = free_port()
        log = (self.tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "uvicorn", "agora.asgi:application", "--port", str(port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, (self.tmp_path / f"{name}.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    return port
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"{name} did not start: {(self.tmp_path / f'{name}.log').read_text()}")

    def publish(self, user_id: int, frame: dict[str, Any]) -> None:
        """Push a frame from a process of its own (no sockets there), as a worker does."""
        code = (
            "import django; django.setup();"
            "from agora.live.publish import send_to_user;"
            f"send_to_user({user_id}, {frame!r})"
        )
        subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code], cwd=ROOT, env=self.env, check=True, timeout=60
        )

    def stop_all(self) -> None:
        for process in self.started:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def processes(transactional_db: None, tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def signed_in(sockets: ExitStack, port: int, user: Any) -> ClientConnection:
    ws = sockets.enter_context(connect(f"ws://127.0.0.1:{port}/ws/", open_timeout=10))
    ws.send(json.dumps({"type": "auth", "token": issue_access_token(user)}))
    assert json.loads(ws.recv(timeout=10)) == {"type": "ready", "user_id": user.pk}
    return ws


@pytest.mark.worker
def test_a_frame_from_another_process_reaches_sockets_on_two_servers(
    processes: Processes,
) -> None:
    ada, bob = UserFactory(), UserFactory()
    first, second = processes.server("web-a"), processes.server("web-b")
    sockets = ExitStack()
    on_first, on_second = signed_in(sockets, first, ada), signed_in(sockets, second, ada)
    bob_socket = signed_in(sockets, second, bob)

    processes.publish(ada.pk, {"type": "notification", "title": "Your certificate is ready"})

    for ws in (on_first, on_second):
        assert json.loads(ws.recv(timeout=10)) == {
            "type": "notification",
            "title": "Your certificate is ready",
        }
    with pytest.raises(TimeoutError):
        bob_socket.recv(timeout=1)
    sockets.close()


@pytest.mark.worker
def test_a_bad_token_is_closed_with_4401_by_a_real_server(processes: Processes) -> None:
    port = processes.server("web")
    with connect(f"ws://127.0.0.1:{port}/ws/", open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "token": "forged"}))
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
    assert ws.close_code == 4401
