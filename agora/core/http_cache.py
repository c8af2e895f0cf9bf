"""Cached public JSON answers with ETags.

The body is built once per cache key and kept as bytes; a client that sends the ETag it has
gets 304. Anonymous callers may cache for a short while; authenticated answers are marked
no-store by the request middleware anyway.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from agora.core.renderer import dumps

PUBLIC_MAX_AGE = 60


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def json_bytes(payload: Any) -> bytes:
    return dumps(payload)


def cached_json(
    request: HttpRequest, *, key: str, build: Callable[[], Any], timeout: int = 300
) -> HttpResponse:
    entry = cache.get(key)
    if entry is None:
        body = json_bytes(build())
        entry = (body, etag_of(body))
        cache.set(key, entry, timeout=timeout)
    return json_response(request, *entry)


def json_response(request: HttpRequest, body: bytes, etag: str | None = None) -> HttpResponse:
    etag = etag or etag_of(body)
    # If-None-Match compares weakly (RFC 9110 13.1.2): proxies that compress answers send
    # our tag back as W/"...".
    sent = {
        tag.strip().removeprefix("W/")
        for tag in request.headers.get("If-None-Match", "").split(",")
    }
    if etag in sent or "*" in sent:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response["Vary"] = "Authorization, Accept-Encoding"
    # As CommonMiddleware would add it: an answer can be returned before that middleware
    # (agora/core/read_ahead.py).
    response["Content-Length"] = str(len(response.content))
    return response
