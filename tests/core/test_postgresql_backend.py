"""The PostgreSQL backend reads timestamps with psycopg's compiled loader where Django's
time zone is UTC, giving exactly what Django's own loader gives (agora/core/postgresql)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.utils import timezone

from agora.core.postgresql.base import DatabaseWrapper, UtcTimestamptzLoader
from tests.accounts.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the PostgreSQL backend: PostgreSQL"
    ),
]

VALUES = """SELECT v FROM (VALUES
    ('2024-11-27 03:05:00+00'::timestamptz), ('2024-11-27 03:05:00.398205+00'),
    ('2026-03-29 01:59:59.999999+02'), ('1999-12-31 23:59:59.5-08'), ('0001-01-01 00:00:00+00'),
    ('9999-12-31 23:59:59.999999+00'), (NULL)) AS t (v)"""


def _loaded(register_django_loader: bool) -> list[datetime | None]:
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        if register_django_loader:
            register_tzloader(UTC, cursor)
        cursor.execute(VALUES)
        return [row[0] for row in cursor.fetchall()]


def test_timestamps_load_as_djangos_loader_loads_them():
    assert connection.connection.adapters.get_loader(1184, 0) is UtcTimestamptzLoader
    ours, djangos = _loaded(False), _loaded(True)
    assert ours == djangos
    assert [value.tzinfo for value in ours if value] == [UTC] * 6
    assert ours[1] == datetime(2024, 11, 27, 3, 5, 0, 398205, tzinfo=UTC)


def test_models_read_back_aware_utc_datetimes():
    moment = datetime(2026, 7, 1, 12, 30, 15, 250000, tzinfo=UTC)
    user = UserFactory(date_joined=moment)
    user.refresh_from_db()
    assert user.date_joined == moment
    assert user.date_joined.tzinfo is UTC
    assert timezone.is_aware(user.date_joined)


def test_another_time_zone_keeps_djangos_loader():
    other = DatabaseWrapper({**connection.settings_dict, "TIME_ZONE": "Europe/Paris"})
    context = other.get_connection_params()["context"]
    assert context.get_loader(1184, 0) is not UtcTimestamptzLoader
    assert context.get_loader(1184, 0).timezone.key == "Europe/Paris"
