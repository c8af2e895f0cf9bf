"""Liveness and readiness probes for load balancers and orchestrators."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

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
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def _broker() -> None:
    from agora.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
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
