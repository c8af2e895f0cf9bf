"""A database that goes away answers 503 (never 500), writes nothing halfway, and the pool of
connections recovers by itself.

Failures are made at the database boundary: a statement that raises OperationalError (both
databases), or, on PostgreSQL, the server really dropping this test's own connections
(pg_terminate_backend on the test database only; the shared server is never restarted).
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection
from django.test import Client

from agora.accounts.models import User
from tests.accounts.factories import UserFactory
from tests.catalog.factories import CourseFactory
from tests.conftest import ApiClient

MESSAGE = "The database cannot be reached right now. Try again in a few seconds."


@contextmanager
def database_down(when: str = "") -> Iterator[None]:
    """Every statement (or every one containing `when`) fails as if the server had gone."""

    def fail(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if when in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail):
        yield


def assert_api_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response.json() == {"error": {"code": "database_unavailable", "message": MESSAGE}}
    assert int(response["Retry-After"]) >= 1


def assert_page_unavailable(response) -> None:
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    assert response["Content-Type"].startswith("text/html")
    assert MESSAGE in response.content.decode()


@pytest.mark.django_db
class TestAnswers:
    def test_an_api_read_answers_503_with_the_envelope(self, api: ApiClient):
        course = CourseFactory()

        with database_down():
            assert_api_unavailable(api.get("/courses"))
            assert_api_unavailable(api.get(f"/courses/{course.pk}"))

        assert api.get(f"/courses/{course.pk}").status_code == 200

    def test_an_authenticated_api_call_answers_503(self, user_api: ApiClient):
        # The token's user is loaded in the API's authentication, before the endpoint runs.
        with database_down():
            assert_api_unavailable(user_api.get("/me"))

    def test_a_page_answers_a_plain_503_page(self, db):
        with database_down():
            response = Client().get("/")

        assert_page_unavailable(response)

    def test_a_failure_in_a_middleware_is_503_too(self, user, settings):
        # With REQUIRE_ADMIN_2FA the middleware loads the session's user before any view.
        settings.REQUIRE_ADMIN_2FA = True
        client = Client(raise_request_exception=False)
        client.force_login(user)

        with database_down():
            response = client.get("/")

        assert_page_unavailable(response)

    def test_the_api_outside_an_endpoint_answers_the_envelope(self, user, settings):
        # /api/ paths no endpoint answers are plain Django views: still the envelope.
        settings.REQUIRE_ADMIN_2FA = True
        client = Client(raise_request_exception=False)
        client.force_login(user)

        with database_down():
            response = client.get("/api/v2/anything")

        assert_api_unavailable(response)

    def test_a_write_that_fails_halfway_leaves_nothing_behind(self, api: ApiClient):
        # The account row is written, then its email address fails: both or neither.
        with database_down(when='INSERT INTO "account_emailaddress"'):
            response = api.post(
                "/auth/register",
                {"email": "half@example.com", "password": "Brand-new-pass-77", "name": "Half"},
            )

        assert_api_unavailable(response)
        assert not User.objects.filter(email="half@example.com").exists()


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _terminate(pids: list[int] | None = None) -> int:
    """Has PostgreSQL drop connections to this test's database (those given, or all but the
    one asking), from a connection of its own; returns how many went."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    ) as admin:
        if pids is None:
            pids = [
                row[0]
                for row in admin.execute(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ]
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid = ANY(%s)",
            [pids],
        ).fetchall()
        # pg_terminate_backend only signals: wait until the backends are really gone.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]
            ).fetchone()
            if row is not None and row[0] == 0:
                break
            time.sleep(0.02)
    return len(killed)


def served(response: Any) -> Any:
    """Ends the request as a WSGI server does (Django's test client skips this): Django hands
    its connection back to the pool, which drops it if it is broken."""
    close_old_connections()
    return response


@pytest.mark.django_db(transaction=True)
class TestPostgresqlDropsConnections:
    @pytest.fixture(autouse=True)
    def _postgresql_only(self) -> None:
        if not _is_postgresql():
            pytest.skip("PostgreSQL only: SQLite has no server to drop connections")
        # Start from a new pool: what is tested is how a pool recovers, and connections that
        # earlier tests' threads still hold must not count against this one's size.
        connection.close()
        if connection.settings_dict.get("OPTIONS", {}).get("pool"):
            connection.close_pool()

    def test_the_pool_replaces_dropped_connections_by_itself(self, api: ApiClient):
        course = CourseFactory()
        user = UserFactory()
        close_old_connections()
        for _ in range(3):
            assert served(api.get(f"/courses/{course.pk}")).status_code == 200

        assert _terminate() >= 1  # every pooled connection, idle between requests

        for _ in range(5):
            assert served(api.get(f"/courses/{course.pk}")).status_code == 200
        assert User.objects.filter(pk=user.pk).exists()

    def test_a_connection_dropped_during_a_request_answers_503_then_recovers(self, api: ApiClient):
        course = CourseFactory()
        close_old_connections()
        dropped: list[int] = []

        def drop_mine(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            if not dropped:  # the request's first statement: the server goes away under it
                dropped.append(connection.connection.info.backend_pid)
                _terminate(dropped)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(drop_mine):
            response = served(api.get(f"/courses/{course.pk}"))

        assert_api_unavailable(response)
        assert len(dropped) == 1
        for _ in range(3):
            assert served(api.get(f"/courses/{course.pk}")).status_code == 200
