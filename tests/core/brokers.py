"""Points the web side's Celery app at another broker for a test, and back."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agora.celery import app

# Publishing options as in production: give up within a second, leave the job to the relay.
FAST_GIVE_UP = {"socket_connect_timeout": 1, "max_retries": 2, "interval_start": 0}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _point_at(url: str, eager: bool, options: dict[str, Any]) -> None:
    app.conf.broker_url, app.conf.task_always_eager = url, eager
    app.conf.broker_transport_options = options
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def redis_broker(port: int, *, eager: bool) -> Iterator[Any]:
    """Publishes to Redis on `port` (which may have nothing listening); yields a function
    that restores the app's own broker early. The app's own broker comes back at the end."""
    saved = (app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_transport_options)
    _point_at(f"redis://127.0.0.1:{port}/0", eager, {**FAST_GIVE_UP, "interval_step": 0.2})
    try:
        yield lambda: _point_at(*saved)
    finally:
        _point_at(*saved)
