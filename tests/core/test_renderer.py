"""The orjson renderer answers what Ninja's JSON renderer answered, value for value."""

import datetime as dt
import json
import uuid
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from agora.core.renderer import OrjsonRenderer, dumps


class Level(StrEnum):
    BEGINNER = "beginner"


UTC = dt.UTC
KOLKATA = ZoneInfo("Asia/Kolkata")

CASES = [
    dt.datetime(2026, 12, 5, 10, 4, 3, 123456, tzinfo=UTC),  # microseconds: milliseconds, Z
    dt.datetime(2026, 12, 5, 10, 4, 3, tzinfo=UTC),  # no fraction
    dt.datetime(2026, 12, 5, 10, 4, 3, 500, tzinfo=KOLKATA),  # +05:30 kept
    dt.datetime(2026, 12, 5, 10, 4, 3),  # naive  # noqa: DTZ001
    dt.date(2026, 2, 28),
    dt.time(7, 30, 1, 250000),
    dt.timedelta(days=1, seconds=5),
    Decimal("19.99"),
    Decimal("0"),
    Decimal("4.50"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    Level.BEGINNER,
    gettext_lazy("Free"),
    'Ünïcødé — 日本語 😀 "quoted" \\ back\nline \u2028',
    None,
    True,
    0,
    -(2**63),
    2**64 + 1,  # past orjson's range: the standard encoder takes over
    0.1,
    4.25,
    [],
    {},
]


@pytest.mark.parametrize("value", CASES, ids=lambda v: type(v).__name__)
def test_each_value_reads_back_the_same(value: object) -> None:
    payload = {"value": value, "nested": [{"value": value}], 3: value}
    old = json.loads(JSONRenderer().render(None, payload, response_status=200))  # type: ignore[arg-type]
    new_bytes = OrjsonRenderer().render(None, payload, response_status=200)  # type: ignore[arg-type]
    assert json.loads(new_bytes) == old


def test_datetimes_keep_the_format_clients_parse() -> None:
    when = dt.datetime(2026, 12, 5, 10, 4, 3, 123456, tzinfo=UTC)
    assert dumps({"at": when}) == b'{"at":"2026-12-05T10:04:03.123Z"}'
    assert json.dumps(when, cls=NinjaJSONEncoder) == '"2026-12-05T10:04:03.123Z"'
    assert dumps([when.replace(microsecond=0)]) == b'["2026-12-05T10:04:03Z"]'


def test_unicode_is_utf8_not_escaped() -> None:
    assert dumps({"t": "café"}) == '{"t":"café"}'.encode()


def test_api_answers_through_the_orjson_renderer(user_api) -> None:  # type: ignore[no-untyped-def]
    from agora.api import api

    assert isinstance(api.renderer, OrjsonRenderer)
    response = user_api.get("/me/enrollments")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == b"[]"
    me = user_api.get("/me")
    assert me.status_code == 200
    assert b", " not in me.content  # compact: written by orjson
    assert me.json()["email"]
