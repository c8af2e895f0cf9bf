"""When a lesson was started (LessonProgress.started_at) and each day's activity in it
(LessonActivityDay: seconds watched, where playback stood), written by the learning
services; the upgrade's backfill of rows written before them."""

import importlib
import threading
import time
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from agora.core.schemas import INT32_MAX
from agora.learning import positions
from agora.learning.models import LessonActivityDay, LessonProgress
from agora.learning.services import complete_lesson, save_position
from tests.accounts.factories import UserFactory
from tests.catalog.factories import course_with_curriculum, enroll
from tests.concurrency import run_at_once
from tests.learning.factories import lessons_of


@pytest.fixture
def free_course(instructor):
    return course_with_curriculum(owner=instructor, price=0, modules=1, lessons=2)


def at(monkeypatch, moment: datetime) -> None:
    """The clock of the services (and of auto_now) reads `moment`."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def activity(user, lesson) -> list[tuple]:
    return list(
        LessonActivityDay.objects.filter(user=user, lesson=lesson)
        .order_by("day")
        .values_list("day", "seconds", "position_seconds")
    )


@pytest.mark.django_db
class TestStartedAt:
    def test_set_by_the_first_write_and_kept_afterwards(self, monkeypatch, learner, free_course):
        enroll(learner, free_course)
        lesson = lessons_of(free_course)[0]
        first = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
        at(monkeypatch, first)
        save_position(user=learner, lesson=lesson, seconds=5, spent_seconds=5)
        at(monkeypatch, first + timedelta(days=2))
        save_position(user=learner, lesson=lesson, seconds=50, spent_seconds=30)
        complete_lesson(user=learner, lesson=lesson)

        row = LessonProgress.objects.get(user=learner, lesson=lesson)
        assert row.started_at == first
        assert row.completed_at == first + timedelta(days=2)

    def test_completing_without_watching_starts_the_lesson_too(
        self, monkeypatch, learner, free_course
    ):
        enroll(learner, free_course)
        moment = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
        at(monkeypatch, moment)
        complete_lesson(user=learner, lesson=lessons_of(free_course)[1])

        row = LessonProgress.objects.get(user=learner)
        assert (row.started_at, row.completed_at) == (moment, moment)
        assert not LessonActivityDay.objects.exists()  # no position report: nothing watched


@pytest.mark.django_db
class TestActivityDays:
    def test_reports_of_a_day_add_up_and_keep_the_last_position(
        self, monkeypatch, learner, free_course
    ):
        enroll(learner, free_course)
        lesson = lessons_of(free_course)[0]
        morning = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        for minutes, (position, spent) in enumerate([(10, 10), (40, 30), (25, 0)]):
            at(monkeypatch, morning + timedelta(minutes=minutes))
            save_position(user=learner, lesson=lesson, seconds=position, spent_seconds=spent)
        at(monkeypatch, morning + timedelta(days=1))
        save_position(user=learner, lesson=lesson, seconds=70, spent_seconds=45)

        assert activity(learner, lesson) == [
            (date(2026, 3, 1), 40, 25),  # a seek back counts as where it stood
            (date(2026, 3, 2), 45, 70),
        ]
        row = LessonProgress.objects.get(user=learner, lesson=lesson)
        # Every second spent is on some day: the days add up to the row's total.
        assert row.seconds_spent == 85

    def test_days_are_the_site_time_zone(self, monkeypatch, settings, learner, free_course):
        """18:29 UTC is 23:59 in Kolkata, 18:31 UTC already the next day there."""
        settings.TIME_ZONE = "Asia/Kolkata"
        enroll(learner, free_course)
        lesson = lessons_of(free_course)[0]
        at(monkeypatch, datetime(2026, 3, 1, 18, 29, tzinfo=UTC))
        save_position(user=learner, lesson=lesson, seconds=30, spent_seconds=30)
        at(monkeypatch, datetime(2026, 3, 1, 18, 31, tzinfo=UTC))
        save_position(user=learner, lesson=lesson, seconds=60, spent_seconds=30)

        assert activity(learner, lesson) == [(date(2026, 3, 1), 30, 30), (date(2026, 3, 2), 30, 60)]

    def test_seconds_stop_at_what_the_column_holds(self, learner, free_course):
        enroll(learner, free_course)
        lesson = lessons_of(free_course)[0]
        save_position(user=learner, lesson=lesson, seconds=1, spent_seconds=1)
        LessonActivityDay.objects.update(seconds=INT32_MAX - 10)

        save_position(user=learner, lesson=lesson, seconds=2, spent_seconds=100)

        assert LessonActivityDay.objects.get().seconds == INT32_MAX

    def test_instructors_going_through_their_course_are_recorded_too(self, instructor, free_course):
        lesson = lessons_of(free_course)[0]
        save_position(user=instructor, lesson=lesson, seconds=12, spent_seconds=12)

        assert [(d.seconds, d.position_seconds) for d in LessonActivityDay.objects.all()] == [
            (12, 12)
        ]

    def test_refused_reports_record_nothing(self, learner, free_course):
        from agora.catalog.errors import EnrollmentRequired

        with pytest.raises(EnrollmentRequired):
            save_position(user=learner, lesson=lessons_of(free_course)[0], seconds=3)
        assert not LessonActivityDay.objects.exists()
        assert not LessonProgress.objects.exists()

    def test_concurrent_reports_lose_no_second(self, transactional_db, instructor):
        course = course_with_curriculum(owner=instructor, price=0, modules=1, lessons=1)
        learner = UserFactory()
        enroll(learner, course)
        lesson = lessons_of(course)[0]

        results = run_at_once(
            [
                lambda n=n: save_position(user=learner, lesson=lesson, seconds=n, spent_seconds=7)
                for n in range(1, 5)
            ]
        )

        assert all(not isinstance(r, Exception) for r in results), results
        [day] = LessonActivityDay.objects.all()
        assert day.seconds == 28
        assert LessonProgress.objects.get().seconds_spent == 28

    def test_a_report_written_at_once_and_a_completion_do_not_deadlock(
        self, transactional_db, instructor, monkeypatch
    ):
        """The report holds the lesson's progress row when the completion starts; before,
        it then wanted the enrollment the completion had locked first: a deadlock."""
        course = course_with_curriculum(owner=instructor, price=0, modules=1, lessons=1)
        learner = UserFactory()
        enroll(learner, course)
        lesson = lessons_of(course)[0]
        save_position(user=learner, lesson=lesson, seconds=1)  # rows exist, rights remembered
        reported, completing = threading.Event(), threading.Event()
        add_activity = positions.add_lesson_activity

        def slow_activity(*args, **kwargs):
            add_activity(*args, **kwargs)
            if threading.current_thread().name == "report":
                reported.set()
                completing.wait(5)
                time.sleep(0.5)  # the completion is now waiting for a lock

        monkeypatch.setattr(positions, "add_lesson_activity", slow_activity)

        def complete():
            reported.wait(5)
            completing.set()
            return complete_lesson(user=learner, lesson=lesson)

        def report():
            threading.current_thread().name = "report"
            save_position(user=learner, lesson=lesson, seconds=30, spent_seconds=5)

        results = run_at_once([report, complete])

        assert all(not isinstance(r, Exception) for r in results), results
        row = LessonProgress.objects.get(user=learner, lesson=lesson)
        assert (row.position_seconds, row.completed_at is not None) == (30, True)


@pytest.mark.django_db
def test_the_upgrade_fills_rows_written_before_it(learner, free_course):
    """Started no later than the row's last change or its completion; the activity so far
    on the day of the last report."""
    migration = importlib.import_module(
        "agora.learning.migrations.0008_lesson_started_and_activity_days"
    )
    first, second = lessons_of(free_course)
    updated = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    completed = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    LessonProgress.objects.create(
        user=learner, lesson=first, course=free_course, position_seconds=40, seconds_spent=90
    )
    LessonProgress.objects.create(
        user=learner, lesson=second, course=free_course, completed_at=completed, seconds_spent=5
    )
    LessonProgress.objects.filter(lesson=first).update(updated_at=updated)
    LessonProgress.objects.filter(lesson=second).update(updated_at=updated)

    migration.backfill(apps, SimpleNamespace(connection=connection))

    started = dict(LessonProgress.objects.values_list("lesson_id", "started_at"))
    assert started == {first.pk: updated, second.pk: completed}
    assert sorted(
        LessonActivityDay.objects.values_list("lesson_id", "day", "seconds", "position_seconds")
    ) == sorted([(first.pk, date(2026, 3, 5), 90, 40), (second.pk, date(2026, 3, 5), 5, 0)])
