"""A player's position report, answered by the rate-limit middleware from the learner's
rights read with the call's count (agora/learning/api.py, `plan_position_report`), exactly
as the view would answer it; everything else goes on to the view."""

import pytest
from django.core.cache import caches

from agora.accounts.services.suspension import suspend_user
from agora.core import read_ahead
from agora.learning import positions, services, tasks
from agora.learning.models import LessonProgress
from tests.accounts.factories import UserFactory
from tests.catalog.factories import api_for, course_with_curriculum, enroll
from tests.conftest import PrivateRedis, limits_on_redis
from tests.learning.factories import lessons_of

pytestmark = [pytest.mark.redis_server, pytest.mark.django_db]


@pytest.fixture
def on_redis(private_redis: PrivateRedis, settings):
    """The default cache (users, rights, limits) and the position buffer on one private
    Redis, as in production."""
    limits_on_redis(settings, private_redis.url(), "default", KEY_PREFIX="ahead-test")
    settings.POSITION_BUFFER_REDIS_URL = private_redis.url()
    settings.POSITION_BUFFER_KEY_PREFIX = "positions-ahead-test"
    positions._client.cache_clear()
    yield private_redis
    caches["default"].clear()
    positions._client.cache_clear()


@pytest.fixture
def course(instructor):
    return course_with_curriculum(owner=instructor, price=0, modules=1, lessons=2)


@pytest.fixture
def watching(on_redis, learner, course):
    """An enrolled learner's client and lesson, with the rights remembered by a first report
    (which the view answered: nothing was remembered yet)."""
    enroll(learner, course)
    lesson = lessons_of(course)[0]
    api = api_for(learner)
    assert api.put(f"/lessons/{lesson.pk}/position", {"seconds": 1}).status_code == 204
    return api, lesson


def _only_through_the_view(monkeypatch) -> None:
    monkeypatch.setattr(read_ahead, "answer", lambda request: None)


def _as_sent(response) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k != "X-Request-ID"}
    return response.status_code, response.content, headers


def _resume(api, course, lesson) -> int:
    body = api.get(f"/courses/{course.pk}/progress").json()
    lessons = {ls["id"]: ls for module in body["modules"] for ls in module["lessons"]}
    return int(lessons[lesson.pk]["position_seconds"])


def test_a_report_is_answered_as_its_view_answers_it(
    watching, resolved, monkeypatch, learner, course
):
    api, lesson = watching
    path = f"/lessons/{lesson.pk}/position"
    resolved.clear()
    ahead = api.put(path, {"seconds": 40, "spent_seconds": 9})
    assert resolved == []  # answered before the resolver
    assert _resume(api, course, lesson) == 40

    _only_through_the_view(monkeypatch)
    viewed = api.put(path, {"seconds": 50, "spent_seconds": 9})
    assert resolved[-1] == f"/api/v1{path}"
    assert _resume(api, course, lesson) == 50

    assert _as_sent(ahead) == _as_sent(viewed)
    assert ahead.status_code == 204
    headers = _as_sent(ahead)[2]
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src" in headers["Content-Security-Policy"]

    tasks.fold_positions()
    row = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert (row.position_seconds, row.seconds_spent) == (50, 18)


def test_a_report_answered_ahead_takes_two_round_trips_to_redis(watching, redis_sends):
    api, lesson = watching
    sent = redis_sends()
    assert api.put(f"/lessons/{lesson.pk}/position", {"seconds": 7}).status_code == 204
    # The limits, the person and the rights in one; the report's buffered entries in another.
    assert len(sent) == 2


def test_the_lesson_length_and_one_reports_time_still_bound_it(watching, course, learner):
    api, lesson = watching
    lesson.duration_seconds = 100
    lesson.save(update_fields=["duration_seconds"])
    caches["default"].delete(services.rights_key(learner.pk, lesson.pk))
    api.put(f"/lessons/{lesson.pk}/position", {"seconds": 2})  # the view remembers again

    answer = api.put(f"/lessons/{lesson.pk}/position", {"seconds": 900, "spent_seconds": 900})

    assert answer.status_code == 204
    assert _resume(api, course, lesson) == 100
    tasks.fold_positions()
    row = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert row.seconds_spent == services.MAX_SPENT_PER_REPORT


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ('{"seconds": "42"}', 204),  # a number as text: the view's parsing takes it
        ('{"seconds": -1}', 422),
        ('{"seconds": 86401}', 422),
        ('{"seconds": true}', 204),
        ('{"seconds": 4.0}', 204),
        ('{"seconds": 4.5}', 422),
        ('{"spent_seconds": 3}', 422),
        ("[1, 2]", 422),
        ('{"seconds": 5, "note": "\\u0000"}', 422),
        ("{not json", 400),
        ("", 422),
        ('{"seconds": 5, "extra": 1}', 204),
    ],
)
def test_any_other_body_goes_on_to_the_view(watching, resolved, monkeypatch, raw, status, course):
    api, lesson = watching
    path = f"/lessons/{lesson.pk}/position"
    resolved.clear()
    first = api.put(path, raw=raw)
    assert resolved == [f"/api/v1{path}"]

    _only_through_the_view(monkeypatch)
    assert _as_sent(api.put(path, raw=raw)) == _as_sent(first)
    assert first.status_code == status


def test_a_large_body_goes_on_to_the_view(watching, resolved):
    api, lesson = watching
    resolved.clear()
    padded = '{"seconds": 6' + " " * 2000 + "}"
    assert api.put(f"/lessons/{lesson.pk}/position", raw=padded).status_code == 204
    assert resolved == [f"/api/v1/lessons/{lesson.pk}/position"]


def test_a_suspended_learner_is_refused_as_the_view_refuses(
    watching, resolved, monkeypatch, learner, admin_user
):
    api, lesson = watching
    suspend_user(actor=admin_user, user=learner)
    path = f"/lessons/{lesson.pk}/position"
    resolved.clear()

    refused = api.put(path, {"seconds": 8})

    assert resolved == [f"/api/v1{path}"]
    assert refused.status_code == 401
    _only_through_the_view(monkeypatch)
    assert _as_sent(api.put(path, {"seconds": 8})) == _as_sent(refused)


def test_over_the_persons_limit_is_the_views_429(watching, resolved, settings):
    api, lesson = watching
    settings.API_RATE_LIMIT_PER_USER = "3/m"  # a new rate: counted from here
    path = f"/lessons/{lesson.pk}/position"
    resolved.clear()
    answers = [api.put(path, {"seconds": n}) for n in range(4)]
    assert [answer.status_code for answer in answers] == [204, 204, 204, 429]
    assert resolved == [f"/api/v1{path}"]  # only the refused one went on to the view
    assert int(answers[-1]["Retry-After"]) > 0


def test_another_persons_token_never_uses_the_learners_rights(watching, resolved, course):
    _api, lesson = watching
    stranger = api_for(UserFactory())
    resolved.clear()
    answer = stranger.put(f"/lessons/{lesson.pk}/position", {"seconds": 3})
    assert answer.status_code == 403
    assert resolved == [f"/api/v1/lessons/{lesson.pk}/position"]


def test_a_revocation_refuses_the_next_report(
    watching, resolved, learner, course, django_capture_on_commit_callbacks
):
    api, lesson = watching
    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_enrollment(learner=learner, course=course)

    answer = api.put(f"/lessons/{lesson.pk}/position", {"seconds": 4})

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "enrollment_required"


def test_without_the_buffer_the_view_writes_it_at_once(watching, resolved, settings, learner):
    api, lesson = watching
    settings.POSITION_BUFFER_REDIS_URL = ""
    resolved.clear()

    assert api.put(f"/lessons/{lesson.pk}/position", {"seconds": 21}).status_code == 204

    assert resolved == [f"/api/v1/lessons/{lesson.pk}/position"]
    assert LessonProgress.objects.get(user=learner, lesson=lesson).position_seconds == 21


def test_other_methods_and_paths_are_not_answered_ahead(watching, resolved):
    api, lesson = watching
    resolved.clear()
    assert api.post(f"/lessons/{lesson.pk}/position", {"seconds": 3}).status_code == 405
    assert api.put(f"/lessons/{lesson.pk}/position/", {"seconds": 3}).status_code == 404
    assert len(resolved) == 2
