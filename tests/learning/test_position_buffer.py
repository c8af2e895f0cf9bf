"""Position reports written behind the request: buffered in Redis, read through by the
learner at once, folded into the database exactly once, written directly when Redis is gone,
and refused as soon as the learner's access is revoked."""

import time
from datetime import UTC, date, datetime
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agora.catalog.errors import EnrollmentRequired
from agora.gamification.models import LearningDay
from agora.learning import positions, services, tasks
from agora.learning.models import (
    CourseLearningTime,
    Enrollment,
    FoldedPositionBatch,
    LessonActivityDay,
    LessonProgress,
)
from tests.accounts.factories import UserFactory
from tests.catalog.factories import api_for, course_with_curriculum, enroll
from tests.conftest import PrivateRedis
from tests.learning.factories import lessons_of

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def buffer(private_redis: PrivateRedis, settings):
    settings.POSITION_BUFFER_REDIS_URL = private_redis.url()
    settings.POSITION_BUFFER_KEY_PREFIX = "positions-test"
    positions._client.cache_clear()
    yield private_redis
    positions._client.cache_clear()


@pytest.fixture
def course(instructor):
    return course_with_curriculum(owner=instructor, price=0, modules=1, lessons=2)


def progress(user, lesson) -> tuple[int, int] | None:
    row = LessonProgress.objects.filter(user=user, lesson=lesson).first()
    return (row.position_seconds, row.seconds_spent) if row else None


def learning_seconds(user, course) -> int:
    rows = CourseLearningTime.objects.filter(user=user, course=course)
    return sum(rows.values_list("seconds", flat=True))


def resume_position(api, course, lesson) -> int:
    body = api.get(f"/courses/{course.pk}/progress").json()
    return {ls["id"]: ls for m in body["modules"] for ls in m["lessons"]}[lesson.pk][
        "position_seconds"
    ]


@pytest.mark.redis_server
class TestBuffered:
    def test_reports_wait_in_redis_read_through_then_land_once(self, buffer, learner, course):
        enroll(learner, course)
        first, second = lessons_of(course)
        api = api_for(learner)
        for seconds, spent in ((10, 10), (20, 10), (31, 11)):
            body = {"seconds": seconds, "spent_seconds": spent}
            assert api.put(f"/lessons/{first.pk}/position", body).status_code == 204
        api.put(f"/lessons/{second.pk}/position", {"seconds": 5, "spent_seconds": 0})

        assert progress(learner, first) is None  # nothing written on the request path
        assert learning_seconds(learner, course) == 0
        assert resume_position(api, course, first) == 31  # the learner sees it at once
        assert resume_position(api, course, second) == 5

        assert tasks.fold_positions() > 0

        assert progress(learner, first) == (31, 31)
        assert progress(learner, second) == (5, 0)
        assert learning_seconds(learner, course) == 31
        day = CourseLearningTime.objects.get(user=learner, course=course).day
        assert day == datetime.now(UTC).date()
        assert Enrollment.objects.get(learner=learner, course=course).last_lesson_id == second.pk
        assert LearningDay.objects.filter(user=learner).count() == 1  # the streak counts it
        assert positions.fold() == 0
        assert progress(learner, first) == (31, 31)
        assert learning_seconds(learner, course) == 31
        assert resume_position(api, course, first) == 31

    def test_buffered_watching_lands_in_the_lesson_activity_of_the_site_day(
        self, buffer, learner, course, settings
    ):
        # Late evening in New York is already tomorrow in UTC: the activity is the site's day.
        settings.TIME_ZONE = "America/New_York"
        enroll(learner, course)
        first, second = lessons_of(course)
        evening = datetime(2026, 12, 5, 22, 30, tzinfo=ZoneInfo("America/New_York"))  # 03:30 UTC
        with patch("django.utils.timezone.now", return_value=evening):
            services.save_position(user=learner, lesson=first, seconds=40, spent_seconds=15)
            services.save_position(user=learner, lesson=first, seconds=55, spent_seconds=15)
            services.save_position(user=learner, lesson=second, seconds=7, spent_seconds=0)
        assert not LessonActivityDay.objects.exists()  # still buffered

        tasks.fold_positions()

        rows = LessonActivityDay.objects.order_by("lesson_id")
        assert [(r.lesson_id, r.day, r.seconds, r.position_seconds) for r in rows] == [
            (first.pk, date(2026, 12, 5), 30, 55),
            (second.pk, date(2026, 12, 5), 0, 7),
        ]
        row = LessonProgress.objects.get(user=learner, lesson=first)
        assert row.started_at == evening
        assert CourseLearningTime.objects.get(user=learner, course=course).day == date(2026, 12, 6)

        # Written at once (Redis gone): the same day, added to the same row.
        settings.POSITION_BUFFER_REDIS_URL = ""
        with patch("django.utils.timezone.now", return_value=evening):
            services.save_position(user=learner, lesson=first, seconds=60, spent_seconds=5)
        row = LessonActivityDay.objects.get(lesson=first)
        assert (row.day, row.seconds, row.position_seconds) == (date(2026, 12, 5), 35, 60)

    def test_a_cached_report_costs_no_query(self, buffer, learner, course):
        enroll(learner, course)
        lesson = lessons_of(course)[0]
        services.save_position(user=learner, lesson=lesson.pk, seconds=1, spent_seconds=1)
        with CaptureQueriesContext(connection) as queries:
            services.save_position(user=learner, lesson=lesson.pk, seconds=2, spent_seconds=1)
        assert queries.captured_queries == []

    def test_a_fold_writes_each_table_in_the_same_statements_for_one_or_many_learners(
        self, buffer, course
    ):
        first, second = lessons_of(course)

        def fold_reports_of(count: int) -> dict[str, int]:
            for learner in UserFactory.create_batch(count):
                enroll(learner, course)
                for lesson in (first, second):
                    for n in (1, 2, 3):
                        services.save_position(
                            user=learner, lesson=lesson, seconds=n * 10, spent_seconds=10
                        )
            with CaptureQueriesContext(connection) as queries:
                assert positions.fold() > 0
            writes = [
                q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")
            ]
            return {
                table: sum(table in sql for sql in writes)
                for table in (
                    "learning_lessonprogress",
                    "learning_courselearningtime",
                    "learning_lessonactivityday",
                    "learning_enrollment",
                )
            }

        one, many = fold_reports_of(1), fold_reports_of(12)

        assert (
            one
            == many
            == {
                "learning_lessonprogress": 1,
                "learning_courselearningtime": 1,
                "learning_lessonactivityday": 1,
                "learning_enrollment": 1,
            }
        )
        rows = LessonProgress.objects.filter(lesson__in=(first, second))
        assert rows.count() == 26
        assert {(r.position_seconds, r.seconds_spent) for r in rows} == {(30, 30)}
        assert set(CourseLearningTime.objects.values_list("seconds", flat=True)) == {60}
        assert Enrollment.objects.filter(course=course, last_lesson=second).count() == 13

    def test_without_a_worker_reports_wait_and_land_exactly_once(
        self, buffer, learner, course, monkeypatch
    ):
        enroll(learner, course)
        lesson = lessons_of(course)[0]
        for n in range(1, 6):
            services.save_position(user=learner, lesson=lesson, seconds=n * 10, spent_seconds=10)
        assert progress(learner, lesson) is None  # no job ran: still buffered
        assert positions.client().hlen(positions.pending_key()) > 0

        # The job dies after its commit, before it deletes the batch...
        real_delete = positions.client().delete
        monkeypatch.setattr(
            type(positions.client()), "delete", lambda *_: (_ for _ in ()).throw(OSError("gone"))
        )
        with pytest.raises(OSError, match="gone"):
            positions.fold()
        monkeypatch.undo()
        assert progress(learner, lesson) == (50, 50)
        # ...so the next run finds the batch recorded and only deletes it.
        assert positions.fold() == 0
        assert progress(learner, lesson) == (50, 50)
        assert learning_seconds(learner, course) == 50
        assert FoldedPositionBatch.objects.count() == 1
        assert positions.client().keys("positions-test:batch:*") == []
        assert callable(real_delete)

    def test_a_fold_that_fails_before_its_commit_leaves_the_batch(
        self, buffer, learner, course, monkeypatch
    ):
        enroll(learner, course)
        lesson = lessons_of(course)[0]
        services.save_position(user=learner, lesson=lesson, seconds=40, spent_seconds=7)

        def broken(_batch):
            raise RuntimeError("database went away")

        monkeypatch.setattr(positions, "apply", broken)
        with pytest.raises(RuntimeError):
            positions.fold()
        monkeypatch.undo()
        assert progress(learner, lesson) is None
        services.save_position(user=learner, lesson=lesson, seconds=45, spent_seconds=3)

        positions.fold()

        assert progress(learner, lesson) == (45, 10)
        assert learning_seconds(learner, course) == 10

    def test_redis_gone_writes_directly_without_an_error(self, buffer, learner, course):
        enroll(learner, course)
        lesson = lessons_of(course)[0]
        api = api_for(learner)
        buffer.stop()

        answer = api.put(f"/lessons/{lesson.pk}/position", {"seconds": 12, "spent_seconds": 6})

        assert answer.status_code == 204
        assert progress(learner, lesson) == (12, 6)
        assert learning_seconds(learner, course) == 6
        assert resume_position(api, course, lesson) == 12

    def test_a_newer_direct_write_is_not_undone_by_an_older_buffered_one(
        self, buffer, learner, course
    ):
        enroll(learner, course)
        lesson = lessons_of(course)[0]
        services.save_position(user=learner, lesson=lesson, seconds=100, spent_seconds=5)
        report = positions.Report(learner.pk, lesson.pk, course.pk, 300, 5, True)
        services.write_position(learner, report)  # Redis was unreachable for this one

        assert resume_position(api_for(learner), course, lesson) == 300
        positions.fold()

        assert progress(learner, lesson) == (300, 10)

    def test_deleted_lessons_are_skipped(self, buffer, learner, course):
        enroll(learner, course)
        first, second = lessons_of(course)
        services.save_position(user=learner, lesson=first, seconds=9, spent_seconds=9)
        services.save_position(user=learner, lesson=second, seconds=8, spent_seconds=8)
        second.delete()

        positions.fold()

        assert progress(learner, first) == (9, 9)
        assert learning_seconds(learner, course) == 9

    def test_instructors_positions_are_kept_but_not_counted_as_learning(
        self, buffer, instructor, course
    ):
        lesson = lessons_of(course)[0]
        services.save_position(user=instructor, lesson=lesson, seconds=30, spent_seconds=30)
        positions.fold()
        assert progress(instructor, lesson) == (30, 30)
        assert learning_seconds(instructor, course) == 0


class TestRights:
    """Both on the embedded default and with the buffer: the remembered right to record
    progress is forgotten when a revocation commits."""

    @pytest.mark.parametrize("with_buffer", [False, True])
    def test_a_revocation_refuses_the_next_report(
        self, request, learner, course, with_buffer, django_capture_on_commit_callbacks
    ):
        if with_buffer:
            request.getfixturevalue("buffer")
        enroll(learner, course)
        lesson = lessons_of(course)[0]
        api = api_for(learner)
        assert api.put(f"/lessons/{lesson.pk}/position", {"seconds": 3}).status_code == 204

        with django_capture_on_commit_callbacks(execute=True):
            services.revoke_enrollment(learner=learner, course=course)

        answer = api.put(f"/lessons/{lesson.pk}/position", {"seconds": 4})
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "enrollment_required"

    def test_rights_are_remembered_for_at_most_the_configured_time(
        self, learner, course, settings, monkeypatch
    ):
        """A change that is not a revocation (here: the enrollment row removed behind the
        services' back) is seen once the remembered answer expires."""
        settings.PROGRESS_RIGHTS_CACHE_SECONDS = 1
        enroll(learner, course)
        lesson = lessons_of(course)[0]
        services.save_position(user=learner, lesson=lesson, seconds=1)
        Enrollment.objects.filter(learner=learner).delete()
        services.save_position(user=learner, lesson=lesson, seconds=2)  # still remembered

        time.sleep(1.2)
        with pytest.raises(EnrollmentRequired, match="Enroll"):
            services.save_position(user=learner, lesson=lesson, seconds=3)

    def test_an_unknown_lesson_is_404(self, learner):
        answer = api_for(learner).put("/lessons/999999/position", {"seconds": 3})
        assert answer.status_code == 404
