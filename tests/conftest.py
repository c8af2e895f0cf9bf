"""Fixtures shared by every app's tests."""

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.handlers.base import BaseHandler
from django.test import Client

from tests.accounts.factories import UserFactory

PASSWORD = "Correct-horse-42"


def pytest_sessionstart(session: pytest.Session) -> None:
    """CI runs the suite against PostgreSQL and Redis: it must fail, never skip, if they are
    configured but cannot be reached."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Forget rate-limit counters and cached pages between tests. On Redis only this run's
    keys go (FLUSHDB would also empty the job queue that shares the server)."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX")
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache") and prefix:
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
    if settings.LEADERBOARD_BACKEND == "redis":
        from agora.gamification import boards

        boards.clear()
    # What a process remembers of a table: a rolled-back test's rows must not outlive it.
    from agora.gamification.services import forget_rules

    forget_rules()


REDIS_SERVER = "/usr/bin/redis-server"


class PrivateRedis:
    """A redis-server of this test's own on a free loopback port, to stop and start again
    (the shared Redis is never touched). Nothing is saved to disk."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own arguments
            [
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """Needs only the redis-server binary, so it runs in both suites. Where the binary is
    required (CI, or a suite configured with REDIS_URL) a missing one fails the test; on a
    developer machine without it the test is skipped with the reason."""
    if not os.path.exists(REDIS_SERVER):
        message = f"{REDIS_SERVER} is missing: install Debian's redis-server package"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"} or os.environ.get("REDIS_URL"):
            pytest.fail(message)
        pytest.skip(message + " (CI=true makes this a failure)")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """The URL of a "Redis" that accepts connections and never answers: a hung server."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@pytest.fixture(autouse=True)
def _media_root(tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


class ApiClient:
    """Django's test client speaking JSON to /api/v1, through every middleware."""

    def __init__(self, token: str | None = None, **defaults: Any) -> None:
        self.client = Client(**defaults)
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = dict(headers or {})
        if self.token:
            merged.setdefault("Authorization", f"Bearer {self.token}")
        return merged

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
        **extra: Any,
    ) -> Any:
        url = path if path.startswith(("/api/", "/healthz", "/readyz")) else f"/api/v1{path}"
        data: Any = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"headers": self._headers(headers), **extra}
        if data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PUT", path, body, **kw)

    def delete(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("DELETE", path, body, **kw)


HTMX = {"HX-Request": "true"}


def client_for(user: Any = None) -> Client:
    """A browser session: signed in as `user`, or anonymous."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def login_tokens(email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = ApiClient().post("/auth/login", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


@pytest.fixture
def user(db: Any) -> Any:
    return UserFactory()


@pytest.fixture
def admin_user(db: Any) -> Any:
    return UserFactory(is_staff=True, is_superuser=True, name="Ada Admin")


@pytest.fixture
def user_api(user: Any) -> ApiClient:
    return ApiClient(login_tokens(user.email)["access"])


@pytest.fixture
def admin_api(admin_user: Any) -> ApiClient:
    return ApiClient(login_tokens(admin_user.email)["access"])


def limits_on_redis(settings: Any, location: str, alias: str, **options: Any) -> Any:
    """The rate limits on Redis at `location`, in the cache `alias` (the default cache too,
    as in production, when `alias` is "default")."""
    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,
        alias: {"BACKEND": "agora.core.cache.ResilientRedisCache", "LOCATION": location, **options},
    }
    settings.RATELIMIT_USE_CACHE = alias
    return caches[alias]


@pytest.fixture
def redis_sends(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Call it to start counting what is sent to Redis: the list it gives grows by one for
    each command, pipeline or script sent (a round trip each)."""
    from redis.connection import Connection

    def start() -> list[int]:
        sent: list[int] = []
        original = Connection.send_packed_command

        def counting(self: Connection, command: Any, check_health: bool = True) -> None:
            sent.append(1)
            original(self, command, check_health)

        monkeypatch.setattr(Connection, "send_packed_command", counting)
        return sent

    return start


@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths that went as far as URL resolution: one answered ahead never gets there."""
    paths: list[str] = []
    original = BaseHandler.resolve_request

    def resolve_request(self: BaseHandler, request: Any) -> Any:
        paths.append(request.path_info)
        return original(self, request)

    monkeypatch.setattr(BaseHandler, "resolve_request", resolve_request)
    return paths


__all__ = ["PASSWORD", "ApiClient", "PrivateRedis", "login_tokens", "settings"]
