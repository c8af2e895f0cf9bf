"""Liveness and readiness probes for load balancers and orchestrators."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from agora.core.cache import raise_cache_errors

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    # The Redis backend degrades quietly for everyone else; a probe wants to hear about it.
    # While its breaker is open this fails at once, without waiting for a timeout.
    with raise_cache_errors():
        cache.set(key, "1", timeout=5)
        if cache.get(key) != "1":
            raise RuntimeError("the cache did not keep a value")
        cache.delete(key)


def _broker() -> None:
    from agora.celery import app

    options: dict[str, float] = {}
    if str(app.conf.broker_write_url or app.conf.broker_url).startswith("redis"):
        # A probe must answer quickly even from a Redis that does not answer at all.
        options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    with app.connection_for_write(transport_options=options) as conn:
        # One try, no sleeping between retries: the orchestrator asks again soon enough.
        conn.ensure_connection(max_retries=0)
        # For the filesystem transport this checks that the queue folders exist.
        conn.default_channel  # noqa: B018


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means "not ready", whatever it is
            logger.warning("readiness check %s failed: %s", name, exc)
            results[name] = "down"
    down = [name for name, state in results.items() if state != "ok"]
    if down:
        return JsonResponse({"status": "unavailable", "down": down, "checks": results}, status=503)
    return JsonResponse({"status": "ok", "checks": results})
