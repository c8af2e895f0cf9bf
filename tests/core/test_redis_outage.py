"""Redis stops under a running site: catalog reads carry on from the database, the general
rate limits let requests through, sign-in refuses (503) rather than allowing unlimited
guessing, /readyz names what is down at once; and when Redis is back everything resumes
without a restart.

Redis here is a private redis-server of the test's own (stopped and started again on the
same port); the shared Redis is never touched.
"""

import time
from typing import Any

import pytest

from agora.celery import app
from tests.catalog.factories import CourseFactory
from tests.conftest import PASSWORD, ApiClient, PrivateRedis

pytestmark = [pytest.mark.redis_server, pytest.mark.django_db]

BREAKER_SECONDS = 0.3
PREFIX = "outage-test"


def use_redis(settings: Any, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Points the cache, and the job broker as production does, at this Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "agora.core.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "breaker_seconds": BREAKER_SECONDS,
            },
        }
    }
    monkeypatch.setattr(app.conf, "broker_url", url)


@pytest.fixture
def redis_server(private_redis: PrivateRedis, settings, monkeypatch) -> PrivateRedis:
    use_redis(settings, monkeypatch, private_redis.url())
    return private_redis


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(item["title"] for item in response.json()["items"])


def login(email: str, password: str = PASSWORD):
    return ApiClient().post("/auth/login", {"email": email, "password": password})


def cached_keys(server: PrivateRedis) -> list[bytes]:
    import redis

    client = redis.Redis(port=server.port)
    try:
        return list(client.scan_iter(match=f"{PREFIX}:*"))
    finally:
        client.close()


class TestWhileRedisIsDown:
    def test_catalog_reads_answer_from_the_database(self, redis_server, api: ApiClient):
        first = CourseFactory(title="Cached before")
        assert titles(api.get("/courses")) == ["Cached before"]
        assert cached_keys(redis_server)

        redis_server.stop()
        # Written after the outage began: only the database knows it.
        CourseFactory(title="Added during the outage")

        assert titles(api.get("/courses")) == ["Added during the outage", "Cached before"]
        detail = api.get(f"/courses/{first.pk}")
        assert detail.status_code == 200
        assert detail.json()["title"] == "Cached before"
        assert api.get("/courses/facets").status_code == 200
        assert api.get("/categories").status_code == 200

    def test_a_search_answers_from_the_database(self, redis_server, api: ApiClient):
        CourseFactory(title="Sourdough before")
        assert titles(api.get("/courses?q=sourdough")) == ["Sourdough before"]

        redis_server.stop()
        CourseFactory(title="Sourdough during the outage")

        assert titles(api.get("/courses?q=sourdough")) == [
            "Sourdough before",
            "Sourdough during the outage",
        ]
        one = api.get("/courses?q=sourdough&page_size=1")  # a full page: the count is read
        assert one.json()["count"] == 2

    def test_lesson_reads_ask_the_database_for_the_rights_they_remembered(self, redis_server, user):
        from agora.learning.services import revoke_enrollment
        from tests.catalog.factories import api_for, course_with_curriculum, enroll
        from tests.learning.factories import lessons_of

        course = course_with_curriculum(price=1000, modules=1, lessons=2)
        lesson = next(lesson for lesson in lessons_of(course) if not lesson.is_preview)
        enroll(user, course)
        learner_api = api_for(user)
        assert learner_api.get(f"/lessons/{lesson.pk}").status_code == 200  # remembered
        assert cached_keys(redis_server)

        redis_server.stop()

        assert learner_api.get(f"/lessons/{lesson.pk}").status_code == 200
        revoke_enrollment(learner=user, course=course)  # its forgetting cannot reach Redis
        assert learner_api.get(f"/lessons/{lesson.pk}").status_code == 403

    def test_completing_a_lesson_pays_and_its_progress_reads(self, redis_server, user):
        """The award's live toast and board sync cannot reach Redis: the completion, its XP
        and the progress answer come from the database all the same."""
        from agora.gamification.queries import total_xp
        from tests.catalog.factories import api_for, course_with_curriculum, enroll
        from tests.learning.factories import lessons_of

        course = course_with_curriculum(price=0, modules=1, lessons=2)
        enroll(user, course)
        first, second = lessons_of(course)
        learner_api = api_for(user)
        assert learner_api.post(f"/lessons/{first.pk}/complete").status_code == 200

        redis_server.stop()

        done = learner_api.post(f"/lessons/{second.pk}/complete")
        assert done.json() == {"progress_percent": 100, "course_completed": True}
        progress = learner_api.get(f"/courses/{course.pk}/progress").json()
        assert (progress["lessons_completed"], progress["progress_percent"]) == (2, 100)
        assert total_xp(user) == 10 + 10 + 100

    def test_pages_answer_from_the_database(self, redis_server, client):
        CourseFactory(title="On the home page")
        redis_server.stop()

        response = client.get("/")

        assert response.status_code == 200
        assert "On the home page" in response.content.decode()

    def test_api_reads_are_not_rate_limited_into_failure(self, redis_server, settings, user):
        access = ApiClient().post("/auth/login", {"email": user.email, "password": PASSWORD})
        token = access.json()["access"]
        settings.API_RATE_LIMIT_PER_ADDRESS = "3/m"
        settings.API_RATE_LIMIT_PER_USER = "3/m"
        CourseFactory()
        redis_server.stop()

        for _ in range(10):
            assert ApiClient(REMOTE_ADDR="10.9.9.9").get("/courses").status_code == 200
            assert ApiClient(token, REMOTE_ADDR="10.9.9.9").get("/me").status_code == 200

    def test_sign_in_refuses_instead_of_allowing_unlimited_guesses(self, redis_server, user):
        redis_server.stop()

        for password in ("Wrong-password-0", PASSWORD):
            response = login(user.email, password)
            assert response.status_code == 503, response.content
            assert response.json()["error"]["code"] == "service_unavailable"
            assert int(response["Retry-After"]) >= 1

    def test_readyz_names_the_cache_and_the_broker_at_once(self, redis_server, api: ApiClient):
        redis_server.stop()

        started = time.monotonic()
        response = api.get("/readyz")

        assert time.monotonic() - started < 1
        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "down": ["cache", "broker"],
            "checks": {"database": "ok", "cache": "down", "broker": "down"},
        }

    def test_readyz_does_not_hang_on_a_redis_that_never_answers(
        self, silent_redis, settings, monkeypatch, api: ApiClient
    ):
        use_redis(settings, monkeypatch, silent_redis)

        started = time.monotonic()
        response = api.get("/readyz")

        assert time.monotonic() - started < 3
        assert response.status_code == 503
        assert response.json()["down"] == ["cache", "broker"]


class TestWhenRedisIsBack:
    def test_everything_resumes_without_a_restart(
        self, redis_server, api: ApiClient, user, django_assert_num_queries
    ):
        CourseFactory(title="A course")
        redis_server.stop()
        assert login(user.email).status_code == 503
        assert api.get("/readyz").status_code == 503
        assert titles(api.get("/courses")) == ["A course"]

        redis_server.start()
        time.sleep(BREAKER_SECONDS + 0.05)

        assert api.get("/readyz").status_code == 200
        assert login(user.email).status_code == 200
        assert login(user.email, "Wrong-password-0").status_code == 401
        assert titles(api.get("/courses")) == ["A course"]
        assert cached_keys(redis_server)
        with django_assert_num_queries(0):  # answered from Redis again
            assert titles(api.get("/courses")) == ["A course"]


class TestOneClientPerPool:
    def test_cache_calls_share_one_redis_client_and_survive_a_restart(self, redis_server):
        from django.core.cache import cache

        backend = cache._cache  # type: ignore[attr-defined]
        assert backend.get_client(write=True) is backend.get_client(write=False)
        cache.set("shared", 1)

        # The shared client reconnects through its pool once Redis is back.
        redis_server.stop()
        assert cache.get("shared") is None
        redis_server.start()
        time.sleep(BREAKER_SECONDS + 0.1)
        cache.set("shared", 2)
        assert cache.get("shared") == 2
