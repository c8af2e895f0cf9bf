"""JSON for the API: orjson, with the values Django's encoder formats kept as they were.

orjson writes dicts, lists, strings and numbers in C (5-10x the standard library's encoder).
Dates, times and datetimes are handed back to Django's encoder (what Ninja used before), so
a datetime still reads `2026-12-05T10:04:03.123Z`: milliseconds, `Z` for UTC; Decimals
still become strings, lazy translations text. Two differences no JSON reader sees: no spaces
after `,` and `:`, and non-ASCII text as UTF-8 rather than `\\u` escapes. A value orjson
refuses (an integer beyond 64 bits) falls back to the standard encoder, same answer.
"""

import json
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

_ENCODER = NinjaJSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def dumps(data: Any) -> bytes:
    """`data` as compact UTF-8 JSON, values formatted as Ninja's `NinjaJSONEncoder` does."""
    try:
        return orjson.dumps(data, default=_ENCODER.default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(
            data, cls=NinjaJSONEncoder, separators=(",", ":"), ensure_ascii=False
        ).encode()


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return dumps(data)


def json_answer(data: Any, status: int = 200) -> HttpResponse:
    """An API answer written here rather than by Ninja's response schema (a fast path whose
    tests compare its bytes with the schema's): same renderer, same content type."""
    return HttpResponse(dumps(data), status=status, content_type="application/json; charset=utf-8")
