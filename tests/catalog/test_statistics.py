"""Stored statistics: views once per visitor per day, enrollments, trending."""

from datetime import date, timedelta

import pytest

from agora.catalog import services, tasks
from agora.catalog.models import Course, CourseDailyStat
from agora.celery import app
from tests.catalog.factories import CourseFactory, enroll
from tests.conftest import ApiClient

TODAY = date(2026, 3, 10)


def counts(course: Course) -> tuple[int, int]:
    course.refresh_from_db()
    return course.views_count, course.enrollments_count


@pytest.mark.django_db
class TestRecordView:
    def test_counts_a_visitor_once_a_day(self):
        course = CourseFactory()

        first = services.record_view(course=course, visitor="ip:10.0.0.1", today=TODAY)
        again = services.record_view(course=course, visitor="ip:10.0.0.1", today=TODAY)

        assert (first, again) == (True, False)
        assert counts(course) == (1, 0)
        assert CourseDailyStat.objects.get(course=course, day=TODAY).views == 1

    def test_other_visitors_and_other_days_count(self):
        course = CourseFactory()

        services.record_view(course=course, visitor="ip:10.0.0.1", today=TODAY)
        services.record_view(course=course, visitor="ip:10.0.0.2", today=TODAY)
        services.record_view(course=course, visitor="ip:10.0.0.1", today=TODAY + timedelta(1))

        assert counts(course) == (3, 0)
        assert list(
            CourseDailyStat.objects.filter(course=course).order_by("day").values_list("views")
        ) == [(2,), (1,)]

    def test_a_visitor_counts_once_per_course(self):
        first, second = CourseFactory(), CourseFactory()

        services.record_view(course=first, visitor="7", today=TODAY)
        services.record_view(course=second, visitor="7", today=TODAY)

        assert counts(first) == (1, 0)
        assert counts(second) == (1, 0)

    def test_detail_requests_count_views(self, learner, learner_api: ApiClient):
        course = CourseFactory()
        anonymous = ApiClient(REMOTE_ADDR="192.0.2.10")

        for _ in range(3):
            assert anonymous.get(f"/courses/{course.pk}").status_code == 200
            assert learner_api.get(f"/courses/{course.slug}").status_code == 200
        ApiClient(REMOTE_ADDR="192.0.2.11").get(f"/courses/{course.pk}")

        assert counts(course) == (3, 0)

    def test_hidden_courses_count_no_views(self, api: ApiClient):
        course = CourseFactory(status="draft")

        assert api.get(f"/courses/{course.pk}").status_code == 404
        assert counts(course) == (0, 0)


@pytest.mark.django_db
class TestEnrollmentsCount:
    def test_grows_with_each_learner(self, learner):
        from tests.accounts.factories import UserFactory

        course = CourseFactory()

        enroll(learner, course)
        enroll(UserFactory(), course)

        assert counts(course) == (0, 2)
        assert CourseDailyStat.objects.get(course=course).enrollments == 2

    def test_repeated_grants_count_once(self, learner):
        course = CourseFactory()

        first = enroll(learner, course)
        second = enroll(learner, course)
        third = enroll(learner, course)

        assert first.pk == second.pk == third.pk
        assert counts(course) == (0, 1)
        assert course.enrollments.count() == 1

    def test_unknown_source_is_refused(self, learner):
        from agora.learning.services import grant_enrollment

        course = CourseFactory()

        with pytest.raises(ValueError, match="unknown enrollment source"):
            grant_enrollment(learner=learner, course=course, source="stolen")
        assert counts(course) == (0, 0)


@pytest.mark.django_db
class TestTrending:
    def test_orders_by_recent_activity(self, api: ApiClient):
        CourseFactory(title="Quiet")
        old_hit = CourseFactory(title="Old hit")
        viewed = CourseFactory(title="Viewed today")
        enrolled = CourseFactory(title="Enrolled today")
        CourseDailyStat.objects.create(course=old_hit, day=TODAY - timedelta(30), views=10_000)
        CourseDailyStat.objects.create(course=viewed, day=TODAY, views=15)
        CourseDailyStat.objects.create(course=enrolled, day=TODAY, enrollments=2)

        scored = services.recompute_trending(today=TODAY)

        assert scored == 2
        order = [item["title"] for item in api.get("/courses?sort=trending").json()["items"]]
        assert order[:2] == ["Enrolled today", "Viewed today"]
        assert set(order[2:]) == {"Quiet", "Old hit"}
        enrolled.refresh_from_db()
        viewed.refresh_from_db()
        assert enrolled.trending_score == 20.0
        assert viewed.trending_score == 15.0

    def test_newer_days_weigh_more(self):
        recent = CourseFactory()
        older = CourseFactory()
        CourseDailyStat.objects.create(course=recent, day=TODAY - timedelta(1), views=10)
        CourseDailyStat.objects.create(course=older, day=TODAY - timedelta(5), views=10)

        services.recompute_trending(today=TODAY)

        recent.refresh_from_db()
        older.refresh_from_db()
        assert recent.trending_score == 9.0
        assert older.trending_score == 5.0

    def test_courses_without_recent_activity_drop_to_zero(self):
        faded = CourseFactory(trending_score=99)

        assert services.recompute_trending(today=TODAY) == 0

        faded.refresh_from_db()
        assert faded.trending_score == 0

    def test_views_and_enrollments_feed_the_score(self, learner):
        course = CourseFactory()
        services.record_view(course=course, visitor="a")
        services.record_view(course=course, visitor="b")
        enroll(learner, course)

        services.recompute_trending()

        course.refresh_from_db()
        assert course.trending_score == 12.0

    def test_the_periodic_job_runs_the_recompute(self):
        course = CourseFactory()
        services.record_view(course=course, visitor="a")

        assert tasks.recompute_trending.delay().get() == 1

        course.refresh_from_db()
        assert course.trending_score == 1.0
        schedule = app.conf.beat_schedule["catalog-recompute-trending"]
        assert schedule["task"] == "agora.catalog.tasks.recompute_trending"


@pytest.mark.django_db
class TestEditsKeepCounters:
    """Counters move by F() updates while an editor holds an older copy of the course."""

    def test_editing_details_does_not_rewind_counters(self, instructor, learner):
        course = CourseFactory(owner=instructor)
        stale = Course.objects.get(pk=course.pk)
        enroll(learner, course)
        services.record_view(course=course, visitor="someone")

        services.update_course(user=instructor, course=stale, changes={"subtitle": "Edited"})

        assert counts(course) == (1, 1)
        assert course.subtitle == "Edited"

    def test_new_thumbnail_does_not_rewind_counters(self, instructor, learner):
        from io import BytesIO

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        course = CourseFactory(owner=instructor)
        stale = Course.objects.get(pk=course.pk)
        enroll(learner, course)
        buffer = BytesIO()
        Image.new("RGB", (32, 32)).save(buffer, format="PNG")

        services.set_thumbnail(
            user=instructor, course=stale, upload=SimpleUploadedFile("t.png", buffer.getvalue())
        )

        assert counts(course) == (0, 1)
        assert course.thumbnail
