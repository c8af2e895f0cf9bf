"""Django's PostgreSQL backend, reading `timestamptz` values with psycopg's own loader.

Django gives every connection a Python subclass of psycopg's timestamp loader, so that the
values come back in Django's time zone. Being Python, it parses each value in Python: about
9 µs a value on a slow two-core machine, a quarter of a millisecond for a catalog page of 30
courses (bench/README.md, "Reports answered ahead, timestamps read in C"). Where Django's
time zone is UTC (USE_TZ with no TIME_ZONE for the database, as Agora runs), psycopg's
compiled loader gives the same values: Django sets the session's time zone to UTC, and
psycopg answers aware datetimes in the session's zone, `datetime.UTC`. This backend
registers that loader then; with any other time zone the connection keeps Django's.
"""

from datetime import UTC
from functools import lru_cache
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg import adapt
from psycopg.abc import AdaptContext
from psycopg.pq import Format

TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid
# psycopg's fastest loader for the type: compiled where psycopg's C module is installed.
_FASTEST = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader(adapt.Loader):
    """psycopg's loader for a session in UTC, with the `timezone` attribute Django's cursors
    compare with their own before they register theirs."""

    timezone = UTC

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        assert _FASTEST is not None  # noqa: S101 - psycopg always has one for the type
        self._load = _FASTEST(oid, context).load

    def load(self, data: Any) -> Any:
        return self._load(data)


@lru_cache
def _with_utc_timestamps(template: adapt.AdaptersMap) -> adapt.AdaptersMap:
    adapters = adapt.AdaptersMap(template)
    adapters.register_loader("timestamptz", UtcTimestamptzLoader)
    return adapters


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        if self.timezone is UTC and params.get("context") is not None:
            params["context"] = _with_utc_timestamps(params["context"])
        return params
