"""A signed-out visitor's course, answered by the rate-limit middleware from what it read
with the address's count (agora/core/read_ahead.py), exactly as the view would answer."""

import pytest
from django.core.cache import cache

from agora.catalog import cache_keys, view_counts
from agora.catalog.models import CourseDailyStat
from agora.core import read_ahead
from tests.catalog.factories import CourseFactory
from tests.conftest import ApiClient

pytestmark = [pytest.mark.redis_server, pytest.mark.django_db]


def _only_through_the_view(monkeypatch) -> None:
    monkeypatch.setattr(read_ahead, "answer", lambda request: None)


def _as_sent(response) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k != "X-Request-ID"}
    return response.status_code, response.content, headers


def test_a_course_is_answered_as_its_view_answers_it(redis_everything, resolved, monkeypatch):
    course = CourseFactory()
    visitor = ApiClient(REMOTE_ADDR="10.3.3.3")
    built_ahead = visitor.get(f"/courses/{course.pk}")  # a miss: built and cached
    ahead = visitor.get(f"/courses/{course.pk}")  # a hit
    etag = ahead["ETag"]
    not_modified = visitor.get(f"/courses/{course.pk}", headers={"If-None-Match": etag})
    assert resolved == []  # all three answered before the resolver

    _only_through_the_view(monkeypatch)
    cache.delete(cache_keys.detail_key(course.pk))
    built = visitor.get(f"/courses/{course.pk}")
    viewed = visitor.get(f"/courses/{course.pk}")
    viewed_not_modified = visitor.get(f"/courses/{course.pk}", headers={"If-None-Match": etag})
    assert len(resolved) == 3

    assert ahead.json()["id"] == course.pk
    assert _as_sent(built_ahead) == _as_sent(ahead) == _as_sent(built) == _as_sent(viewed)
    assert _as_sent(not_modified) == _as_sent(viewed_not_modified)
    assert not_modified.status_code == 304
    headers = _as_sent(ahead)[2]
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src" in headers["Content-Security-Policy"]
    assert headers["Content-Length"] == str(len(ahead.content))


def test_views_answered_ahead_count_once_a_visitor_a_day(redis_everything, resolved):
    course = CourseFactory()
    assert ApiClient(REMOTE_ADDR="10.3.3.4").get(f"/courses/{course.pk}").status_code == 200
    for address in ("10.3.3.5", "10.3.3.6", "10.3.3.5"):
        assert ApiClient(REMOTE_ADDR=address).get(f"/courses/{course.pk}").status_code == 200
    assert resolved == []
    view_counts.fold()
    course.refresh_from_db()
    assert course.views_count == 3


def test_what_is_not_cached_goes_on_to_the_view(redis_everything, resolved):
    draft = CourseFactory(status="draft", published_at=None)
    visitor = ApiClient(REMOTE_ADDR="10.3.3.7")

    answers = [visitor.get(f"/courses/{draft.pk}") for _ in range(2)]
    missing = visitor.get("/courses/999999")

    assert [a.status_code for a in answers] == [404, 404]  # a draft is never cached
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "course_not_found"
    assert len(resolved) == 3


def test_signed_in_or_cookied_visitors_are_answered_by_the_view(redis_everything, resolved):
    from tests.accounts.factories import UserFactory
    from tests.catalog.factories import api_for

    course = CourseFactory()
    assert ApiClient().get(f"/courses/{course.pk}").status_code == 200
    learner = api_for(UserFactory())
    cookied = ApiClient(HTTP_COOKIE="sessionid=not-a-session")

    for client in (learner, cookied):
        assert client.get(f"/courses/{course.pk}").json()["id"] == course.pk
    assert len(resolved) == 2


def test_a_refused_call_carries_the_same_headers(redis_everything, settings):
    settings.API_RATE_LIMIT_PER_ADDRESS = "1/m"
    course = CourseFactory()
    visitor = ApiClient(REMOTE_ADDR="10.3.3.8")
    assert visitor.get(f"/courses/{course.pk}").status_code == 200

    refused = visitor.get(f"/courses/{course.pk}")

    assert refused.status_code == 429
    assert refused["X-Frame-Options"] == "DENY"
    assert "default-src" in refused["Content-Security-Policy"]


def test_with_redis_away_the_view_answers_from_the_database(redis_everything, resolved):
    course = CourseFactory()
    visitor = ApiClient(REMOTE_ADDR="10.3.3.9")
    assert visitor.get(f"/courses/{course.pk}").status_code == 200
    redis_everything.stop()

    answer = visitor.get(f"/courses/{course.pk}")

    assert answer.status_code == 200
    assert answer.json()["id"] == course.pk
    assert len(resolved) == 1  # the second: nothing was read ahead


def test_with_the_database_away_a_missing_course_is_503_not_500(
    redis_everything, resolved, monkeypatch
):
    from django.db import OperationalError

    from agora.catalog import queries

    course = CourseFactory()

    def away(**kwargs):
        raise OperationalError("the server closed the connection unexpectedly")

    monkeypatch.setattr(queries, "get_course_for_viewer", away)
    answer = ApiClient(REMOTE_ADDR="10.3.3.10").get(f"/courses/{course.pk}")

    assert answer.status_code == 503
    assert int(answer["Retry-After"]) > 0
    assert len(resolved) == 1  # the middleware left it to the view, which answers 503
    monkeypatch.undo()
    assert ApiClient(REMOTE_ADDR="10.3.3.10").get(f"/courses/{course.pk}").status_code == 200


def test_a_new_visitor_of_a_cached_course_costs_one_round_trip(redis_everything, redis_sends):
    course = CourseFactory()
    assert ApiClient(REMOTE_ADDR="10.3.4.1").get(f"/courses/{course.pk}").status_code == 200
    sent = redis_sends()
    for address in ("10.3.4.2", "10.3.4.3", "10.3.4.4"):
        assert ApiClient(REMOTE_ADDR=address).get(f"/courses/{course.pk}").status_code == 200

    assert len(sent) == 3  # each: its count, the answer, its view marked and counted
    view_counts.fold()
    course.refresh_from_db()
    assert course.views_count == 4


def _lock_of(course) -> str:
    from agora.core.single_flight import lock_key

    return lock_key(cache_keys.detail_flight_key(str(course.pk)))


def test_a_missing_course_is_rebuilt_under_the_lock_taken_in_the_calls_trip(
    redis_everything, redis_sends
):
    warm, course = CourseFactory(), CourseFactory()
    assert ApiClient(REMOTE_ADDR="10.3.5.1").get(f"/courses/{warm.pk}").status_code == 200
    sent = redis_sends()

    answer = ApiClient(REMOTE_ADDR="10.3.5.1").get(f"/courses/{course.pk}")

    assert answer.status_code == 200
    # The call's trip (counted, read, marked, locked, and the view counted with the lock),
    # then the answer stored as the lock is released.
    assert len(sent) == 2
    assert cache.get(_lock_of(course)) is None
    assert cache.get(cache_keys.detail_key(course.pk)) is not None
    view_counts.fold()
    course.refresh_from_db()
    warm.refresh_from_db()
    assert (course.views_count, warm.views_count) == (1, 1)


@pytest.mark.django_db(transaction=True)  # the threads read the course from the database
def test_visitors_missing_a_course_together_build_it_once(redis_everything, monkeypatch):
    import time
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from agora.catalog import answers

    course = CourseFactory()
    builds: list[int] = []
    original = answers.course_detail_json

    def slow_build(built):
        builds.append(1)
        time.sleep(0.3)  # everyone else arrives meanwhile
        return original(built)

    monkeypatch.setattr(answers, "course_detail_json", slow_build)
    start = Barrier(6)

    def visit(n: int):
        start.wait()
        return ApiClient(REMOTE_ADDR=f"10.3.6.{n}").get(f"/courses/{course.pk}")

    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(visit, range(6)))

    assert [a.status_code for a in got] == [200] * 6
    assert len({a.content for a in got}) == 1
    assert builds == [1]
    assert cache.get(_lock_of(course)) is None
    view_counts.fold()  # the builder's view counted in its trip, the others' after waiting
    course.refresh_from_db()
    assert course.views_count == 6


def test_a_draft_gives_back_the_lock_its_trip_took(redis_everything, resolved):
    draft = CourseFactory(status="draft", published_at=None)

    assert ApiClient(REMOTE_ADDR="10.3.5.2").get(f"/courses/{draft.pk}").status_code == 404

    assert cache.get(_lock_of(draft)) is None
    assert len(resolved) == 1  # the view answered the 404
    # Its view was counted with the lock, then taken back: nothing reaches the database.
    assert view_counts.fold() == 0
    draft.refresh_from_db()
    assert draft.views_count == 0
    assert not CourseDailyStat.objects.filter(course=draft).exists()


def test_a_view_counted_with_the_lock_is_taken_back_when_the_database_is_away(
    redis_everything, monkeypatch
):
    from django.db import OperationalError

    from agora.catalog import queries

    course = CourseFactory()

    def away(**kwargs):
        raise OperationalError("the server closed the connection unexpectedly")

    monkeypatch.setattr(queries, "get_course_for_viewer", away)
    assert ApiClient(REMOTE_ADDR="10.3.5.3").get(f"/courses/{course.pk}").status_code == 503
    assert view_counts.fold() == 0  # the 503 counted no view
    monkeypatch.undo()

    assert ApiClient(REMOTE_ADDR="10.3.5.4").get(f"/courses/{course.pk}").status_code == 200
    assert view_counts.fold() == 1  # an answered view is counted
