"""The instructor's learning figures honour the chosen range: the lesson funnel (started,
completed, drop-offs), watch time, where learners stop, completion rate and average progress
of the range's enrollment cohort, and the subscription pool share; on hand-built data, with
ranges that leave earlier activity out, days at a time-zone edge and refunds."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from agora.analytics import figures, rollups
from agora.analytics.models import CourseCohortDay, SubscriptionShareDay
from agora.catalog.models import Course
from agora.commerce.models import LedgerTransaction
from agora.commerce.services import refunds, subscription_payouts
from agora.learning import services as learning
from agora.learning.models import Enrollment, LessonActivityDay, LessonProgress
from tests.accounts.factories import UserFactory
from tests.analytics.conftest import paid_order
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, api_for, enroll
from tests.commerce.factories import published_course
from tests.commerce.subscription_helpers import make_plan, paid_subscription

pytestmark = pytest.mark.django_db


def today() -> date:
    return rollups.local_day(timezone.now())


def days_ago(count: int, hour: int = 12) -> datetime:
    """Noon (by default) of the site's day `count` days before today."""
    day = today() - timedelta(days=count)
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_default_timezone())


def report(user, first: date, last: date, course=None) -> dict:
    return figures.instructor_analytics(
        user=user, days=figures.DayRange(first, last), course_id=course.pk if course else None
    )


def rebuild() -> None:
    rollups.rebuild()


@pytest.fixture
def course(db):
    """Ada's course: two videos (600 s and 300 s) and a text lesson, in that order."""
    ada = UserFactory(is_instructor=True, name="Ada")
    course = CourseFactory(owner=ada, price=0, currency="USD")
    module = ModuleFactory(course=course)
    lessons = [
        LessonFactory(module=module, title="One", position=1, duration_seconds=600),
        LessonFactory(module=module, title="Two", position=2, duration_seconds=300),
        LessonFactory(module=module, title="Three", position=3, type="text", duration_seconds=0),
    ]
    return {"ada": ada, "course": course, "lessons": lessons}


def progress(user, lesson, *, started, completed=None, position=0) -> LessonProgress:
    row = LessonProgress.objects.create(
        user=user,
        lesson=lesson,
        course=lesson.module.course,
        position_seconds=position,
        completed_at=completed,
    )
    LessonProgress.objects.filter(pk=row.pk).update(started_at=started)
    return row


def watched(user, lesson, day: date, seconds: int, position: int) -> None:
    LessonActivityDay.objects.create(
        user=user,
        lesson=lesson,
        course=lesson.module.course,
        day=day,
        seconds=seconds,
        position_seconds=position,
    )


class TestLessonFunnel:
    def test_counts_the_starts_and_completions_of_the_range(self, course):
        one, two, _three = course["lessons"]
        early, late, latest = (UserFactory() for _ in range(3))
        progress(early, one, started=days_ago(10), completed=days_ago(10))
        progress(early, two, started=days_ago(10))
        progress(late, one, started=days_ago(2), completed=days_ago(1))
        progress(late, two, started=days_ago(1))
        progress(latest, one, started=days_ago(0))
        rebuild()

        def funnel(first: int, last: int) -> list[tuple]:
            lessons = report(
                course["ada"], today() - timedelta(days=first), today() - timedelta(days=last),
                course["course"],
            )["lessons"]  # fmt: skip
            return [
                (row["title"], row["started"], row["completed"], row["drop_off_percent"],
                 row["drop_off_from_previous_percent"])
                for row in lessons
            ]  # fmt: skip

        # The last week leaves the early learner out.
        assert funnel(6, 0) == [
            ("One", 2, 1, 50.0, None),
            ("Two", 1, 0, 100.0, 0.0),  # the one who completed One went on to Two
            ("Three", 0, 0, 0.0, 0.0),
        ]
        # Only the early learner's day.
        assert funnel(10, 10) == [
            ("One", 1, 1, 0.0, None),
            ("Two", 1, 0, 100.0, 0.0),
            ("Three", 0, 0, 0.0, 0.0),
        ]
        # Thirty days: everyone.
        assert funnel(29, 0) == [
            ("One", 3, 2, 33.3, None),
            ("Two", 2, 0, 100.0, 0.0),
            ("Three", 0, 0, 0.0, 0.0),
        ]
        # Completions of One without a start of Two in the range are the drop-off between them.
        progress(UserFactory(), one, started=days_ago(3), completed=days_ago(3))
        rebuild()
        assert funnel(6, 0)[1] == ("Two", 1, 0, 100.0, 50.0)

    def test_watch_time_and_stops_count_the_days_of_the_range(self, course):
        one = course["lessons"][0]
        returning, finisher = UserFactory(), UserFactory()
        progress(returning, one, started=days_ago(3), position=400)
        watched(returning, one, today() - timedelta(days=3), 100, 130)  # a third tenth
        watched(returning, one, today() - timedelta(days=1), 200, 400)  # then the seventh
        progress(finisher, one, started=days_ago(3), completed=days_ago(1), position=600)
        watched(finisher, one, today() - timedelta(days=3), 50, 300)  # not done yet that day
        watched(finisher, one, today() - timedelta(days=1), 70, 600)  # done that day: no stop
        watched(finisher, one, today() - timedelta(days=20), 9, 60)  # long before the range
        rebuild()

        def lesson(first: int, last: int) -> dict:
            return report(
                course["ada"], today() - timedelta(days=first), today() - timedelta(days=last),
                course["course"],
            )["lessons"][0]  # fmt: skip

        three_days = lesson(3, 0)
        assert three_days["watch_seconds"] == 420
        assert three_days["stops"] == [0, 0, 1, 0, 0, 1, 1, 0, 0, 0]
        yesterday = lesson(1, 1)
        assert yesterday["watch_seconds"] == 270
        assert yesterday["stops"] == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
        month = lesson(29, 0)
        assert month["watch_seconds"] == 429
        assert month["stops"] == [0, 1, 1, 0, 0, 1, 1, 0, 0, 0]

    def test_days_at_a_time_zone_edge(self, settings, monkeypatch, course):
        """In New York, 03:30 UTC on 2 March is still 1 March; 05:30 UTC is 2 March. The
        real services write the rows."""
        settings.TIME_ZONE = "America/New_York"
        one = course["lessons"][0]
        learner = UserFactory()
        enroll(learner, course["course"])
        for moment, position in (
            (datetime(2026, 3, 2, 3, 30, tzinfo=UTC), 60),
            (datetime(2026, 3, 2, 5, 30, tzinfo=UTC), 120),
        ):
            monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
            learning.save_position(user=learner, lesson=one, seconds=position, spent_seconds=40)
        learning.complete_lesson(user=learner, lesson=one)  # 05:30 UTC: 2 March
        rollups.refresh(first_day=date(2026, 2, 28), last_day=date(2026, 3, 3))

        def lesson(first: date, last: date) -> dict:
            return report(course["ada"], first, last, course["course"])["lessons"][0]

        first_day = lesson(date(2026, 3, 1), date(2026, 3, 1))
        assert (first_day["started"], first_day["completed"], first_day["watch_seconds"]) == (
            1, 0, 40,
        )  # fmt: skip
        assert first_day["stops"] == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]  # 60 of 600 s
        second_day = lesson(date(2026, 3, 2), date(2026, 3, 2))
        assert (second_day["started"], second_day["completed"], second_day["watch_seconds"]) == (
            0, 1, 40,
        )  # fmt: skip
        assert second_day["stops"] == [0] * 10  # completed that day


class TestCohort:
    def test_completion_rate_and_progress_of_the_enrollments_made_in_the_range(self, course):
        people = [UserFactory() for _ in range(4)]
        moments = [days_ago(20), days_ago(20), days_ago(2), days_ago(2)]
        states = [(100, days_ago(5)), (40, None), (10, None), (0, None)]
        for person, moment, (percent, completed) in zip(people, moments, states, strict=True):
            enrollment = enroll(person, course["course"])
            Enrollment.objects.filter(pk=enrollment.pk).update(
                created_at=moment, progress_percent=percent, completed_at=completed,
                last_activity_at=moment,
            )  # fmt: skip
        rebuild()

        def cohort(first: int, last: int = 0) -> tuple:
            body = report(
                course["ada"], today() - timedelta(days=first), today() - timedelta(days=last),
                course["course"],
            )  # fmt: skip
            return (body["learners"], body["cohort_completed"], body["completion_rate"],
                    body["average_progress"])  # fmt: skip

        assert cohort(6) == (2, 0, 0.0, 5.0)
        assert cohort(29) == (4, 1, 25.0, 37.5)
        assert cohort(29, 15) == (2, 1, 50.0, 70.0)
        assert cohort(100, 60) == (0, 0, 0.0, 0.0)

        # The learner at 40% completes the course today: the job's window (the last days)
        # rewrites their enrollment day, twenty days back.
        learner = people[1]
        for lesson in course["lessons"]:
            learning.complete_lesson(user=learner, lesson=lesson)
        rollups.refresh_recent()
        assert cohort(29, 15) == (2, 2, 100.0, 100.0)
        assert cohort(29) == (4, 2, 50.0, 52.5)

    def test_a_refunded_enrollment_stays_in_its_cohort(self, django_capture_on_commit_callbacks):
        capture = django_capture_on_commit_callbacks
        admin = UserFactory(is_staff=True, is_superuser=True)
        ada = UserFactory(is_instructor=True)
        paid = CourseFactory(owner=ada, price=5000, currency="USD")
        LessonFactory(module=ModuleFactory(course=paid))
        kept, refunded = UserFactory(), UserFactory()
        paid_order(kept, [paid], capture)
        order = paid_order(refunded, [paid], capture)
        Enrollment.objects.filter(learner=kept).update(progress_percent=60)
        with capture(execute=True):
            refunds.request_refund(actor=admin, order=order, reason="no")
        rollups.refresh_recent()

        body = report(ada, today(), today(), paid)
        assert (body["learners"], body["enrollments"]) == (2, 2)
        assert (body["completion_rate"], body["average_progress"]) == (0.0, 30.0)
        assert body["refunds"] == 1


class TestSubscriptionShare:
    MONTH = date(2026, 10, 1)

    def split(self):
        """Two learners on one plan learn in Ada's and Bo's courses in October; the split
        of October's pool is credited on 2 November."""
        plan = make_plan(prices={"USD": 1500})
        ada_course = published_course(in_subscription=True)
        bo_course = published_course(in_subscription=True)
        for person, target, seconds in (
            (UserFactory(), ada_course, 300),
            (UserFactory(), bo_course, 100),
        ):
            paid_subscription(person, plan, created=datetime(2026, 10, 10, 12, tzinfo=UTC))
            Enrollment.objects.create(learner=person, course=target, source="subscription")
            from agora.learning.models import CourseLearningTime

            CourseLearningTime.objects.create(
                user=person, course=target, day=date(2026, 10, 15), seconds=seconds
            )
        subscription_payouts.split_month(month=self.MONTH, now=datetime(2026, 11, 2, tzinfo=UTC))
        return ada_course.owner, bo_course.owner

    def test_the_pool_split_is_its_own_line_within_the_range(self, settings):
        settings.TIME_ZONE = "America/New_York"
        ada, bo = self.split()
        # Credited at 03:00 UTC on 2 November: 1 November in New York.
        LedgerTransaction.objects.filter(kind="subscription_payout").update(
            created_at=datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
        )
        rollups.refresh(first_day=date(2026, 10, 30), last_day=date(2026, 11, 3))

        rows = SubscriptionShareDay.objects.values_list("instructor_id", "day", "month", "amount")
        # Pool: 2 x 1200; by learning time 300 : 100.
        assert sorted(rows) == sorted(
            [
                (ada.pk, date(2026, 11, 1), self.MONTH, 1800),
                (bo.pk, date(2026, 11, 1), self.MONTH, 600),
            ]
        )
        body = report(ada, date(2026, 11, 1), date(2026, 11, 30))
        assert (body["subscription_share"], body["instructor_share"], body["total_share"]) == (
            1800, 0, 1800,
        )  # fmt: skip
        assert body["subscription_payouts"] == [
            {"date": date(2026, 11, 1), "month": "2026-10", "amount": 1800}
        ]
        later = report(ada, date(2026, 11, 2), date(2026, 11, 30))
        assert (later["subscription_share"], later["subscription_payouts"]) == (0, [])

    def test_a_course_alone_has_no_subscription_line(self):
        ada, _ = self.split()
        rollups.refresh_recent()  # the split was posted just now
        course = Course.objects.filter(owner=ada).first()
        body = api_for(ada).get(f"/instructor/analytics?course_id={course.pk}").json()
        assert (body["subscription_share"], body["subscription_payouts"]) == (None, [])
        assert body["total_share"] == body["instructor_share"] == 0
        everything = api_for(ada).get("/instructor/analytics")
        assert everything.json()["subscription_share"] == 1800
        assert everything.json()["subscription_payouts"] == [
            {"date": str(SubscriptionShareDay.objects.get(instructor=ada).day),
             "month": "2026-10", "amount": 1800}
        ]  # fmt: skip
        other = UserFactory(is_instructor=True)
        assert api_for(other).get(
            f"/instructor/analytics?course_id={course.pk}"
        ).status_code == 404  # fmt: skip


def test_cohort_rows_are_rewritten_only_for_days_with_activity(course):
    """A day whose enrollments saw no activity in the window is left as it was."""
    person = UserFactory()
    enrollment = enroll(person, course["course"])
    Enrollment.objects.filter(pk=enrollment.pk).update(
        created_at=days_ago(40), last_activity_at=days_ago(40)
    )
    rebuild()
    CourseCohortDay.objects.update(progress_total=7)  # marks the row
    rollups.refresh_recent()
    assert CourseCohortDay.objects.get().progress_total == 7
    Enrollment.objects.filter(pk=enrollment.pk).update(last_activity_at=timezone.now())
    rollups.refresh_recent()
    assert CourseCohortDay.objects.get().progress_total == 0
