"""The number of published courses, kept by triggers in the database (catalog/totals.py), and
the unfiltered course list that shows it without counting."""

import io
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agora.catalog import totals
from agora.catalog.models import CatalogTotal, Course, CourseStatus, CourseWord
from agora.catalog.services import review
from tests.catalog.factories import CourseFactory, DraftCourseFactory

pytestmark = pytest.mark.django_db


def _published() -> int:
    return Course.objects.filter(status=CourseStatus.PUBLISHED).count()


@pytest.fixture
def kept() -> None:
    """A database that keeps the count (a flush by an earlier test may have emptied it)."""
    CatalogTotal.objects.filter(name=totals.PUBLISHED).delete()
    totals.ensure_totals(connection)
    assert totals.published_courses() == _published()


@pytest.mark.usefixtures("kept")
class TestTheCountFollowsEveryChange:
    def test_inserted_published_counts_and_a_draft_does_not(self) -> None:
        before = totals.published_courses()
        CourseFactory.create_batch(3)
        DraftCourseFactory()

        assert totals.published_courses() == before + 3 == _published()

    def test_status_changes_each_way_and_deletes(self) -> None:
        course, other = CourseFactory.create_batch(2)
        before = totals.published_courses()

        Course.objects.filter(pk=course.pk).update(status=CourseStatus.ARCHIVED)
        assert totals.published_courses() == before - 1
        course.refresh_from_db()
        course.status = CourseStatus.PUBLISHED
        course.save()
        assert totals.published_courses() == before
        other.delete()
        assert totals.published_courses() == before - 1 == _published()

    def test_a_bulk_update_and_raw_sql_are_counted(self) -> None:
        drafts = DraftCourseFactory.create_batch(4)
        before = totals.published_courses()

        Course.objects.filter(pk__in=[d.pk for d in drafts]).update(status=CourseStatus.PUBLISHED)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE catalog_course SET status = 'rejected' WHERE id = %s", [drafts[0].pk]
            )
        assert totals.published_courses() == before + 3 == _published()

    def test_saving_a_published_course_again_or_bumping_its_counters_changes_nothing(
        self,
    ) -> None:
        course = CourseFactory()
        before = totals.published_courses()

        course.title = "Renamed"
        course.save()
        Course.objects.filter(pk=course.pk).update(views_count=99, enrollments_count=5)
        assert totals.published_courses() == before

    def test_the_review_workflow_publishes_and_unpublishes(self, admin_user: Any) -> None:
        course = DraftCourseFactory()
        course.status = CourseStatus.IN_REVIEW
        course.save()
        before = totals.published_courses()

        review.approve_course(admin=admin_user, course=course)
        assert totals.published_courses() == before + 1
        review.unpublish_course(admin=admin_user, course=course, reason="Outdated")
        assert totals.published_courses() == before == _published()

    def test_a_rolled_back_change_is_not_counted(self) -> None:
        before = totals.published_courses()
        inside = []

        def publish_two_then_fail() -> None:
            with transaction.atomic():
                CourseFactory.create_batch(2)
                inside.append(totals.published_courses())
                raise RuntimeError("undo")

        with pytest.raises(RuntimeError):
            publish_two_then_fail()

        assert inside == [before + 2]  # seen inside its own transaction
        assert totals.published_courses() == before


# Real threads need committed rows: a real transaction, on whichever database the suite runs.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("kept")
def test_publishes_and_withdrawals_at_once_are_each_counted() -> None:
    from tests.concurrency import run_at_once

    drafts = [DraftCourseFactory().pk for _ in range(6)]
    published = [CourseFactory().pk for _ in range(3)]
    before = totals.published_courses()

    def change(pk: int, status: str) -> None:
        with transaction.atomic():
            Course.objects.filter(pk=pk).update(status=status)
            time.sleep(0.02)  # the transactions overlap while each holds its change

    calls = [lambda pk=pk: change(pk, CourseStatus.PUBLISHED) for pk in drafts]
    calls += [lambda pk=pk: change(pk, CourseStatus.ARCHIVED) for pk in published]
    assert [r for r in run_at_once(calls) if isinstance(r, Exception)] == []

    assert totals.published_courses() == before + 6 - 3 == _published()


class TestRepair:
    def test_a_missing_trigger_is_put_back_and_the_courses_counted_afresh(self) -> None:
        totals.ensure_totals(connection)
        totals.drop_totals(connection)
        CourseFactory.create_batch(2)  # not counted: no trigger
        CatalogTotal.objects.filter(name=totals.PUBLISHED).update(value=-7)

        totals.ensure_totals(connection)

        assert totals.published_courses() == _published()
        CourseFactory()
        assert totals.published_courses() == _published()

    def test_the_recount_command_mends_a_count_that_drifted(self) -> None:
        totals.ensure_totals(connection)
        CourseFactory.create_batch(2)
        CatalogTotal.objects.filter(name=totals.PUBLISHED).update(value=12345)
        out = io.StringIO()

        call_command("recount_catalog", stdout=out)

        assert totals.published_courses() == _published()
        expected = f"{_published():,} published courses.\n"
        if connection.vendor == "postgresql":  # and the search words written afresh
            expected += f"{CourseWord.objects.count():,} search words.\n"
        assert out.getvalue() == expected

    def test_without_the_row_nothing_is_known_and_nothing_breaks(self) -> None:
        CatalogTotal.objects.filter(name=totals.PUBLISHED).delete()

        CourseFactory()

        assert totals.published_courses() is None

    def test_the_migrate_hook_does_nothing_when_all_is_in_place(self) -> None:
        totals.ensure_totals(connection)
        with CaptureQueriesContext(connection) as queries:
            totals.ensure_totals(connection)

        assert not [q for q in queries if "INSERT" in q["sql"] or "LOCK" in q["sql"]]


def _counts(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]


class TestTheList:
    def test_an_unfiltered_list_shows_the_kept_count_without_counting(
        self, api: Any, kept: None
    ) -> None:
        CourseFactory.create_batch(3)
        DraftCourseFactory()

        with CaptureQueriesContext(connection) as captured:
            page = api.get("/courses?page_size=2&sort=newest").json()

        assert page["count"] == _published()
        assert page["count_exact"] is True
        assert len(page["items"]) == 2
        assert _counts(captured) == []

    def test_a_filtered_list_still_counts_its_own_matches(self, api: Any, kept: None) -> None:
        CourseFactory.create_batch(3, level="advanced")
        CourseFactory.create_batch(2, level="beginner")

        with CaptureQueriesContext(connection) as captured:
            page = api.get("/courses?page_size=2&level=advanced").json()

        expected = Course.objects.filter(status="published", level="advanced").count()
        assert page["count"] == expected
        assert len(_counts(captured)) == 1

    def test_without_the_row_the_list_counts_as_before(self, api: Any) -> None:
        CatalogTotal.objects.filter(name=totals.PUBLISHED).delete()
        CourseFactory.create_batch(3)

        with CaptureQueriesContext(connection) as captured:
            page = api.get("/courses?page_size=2").json()

        assert page["count"] == _published()
        assert len(_counts(captured)) == 1

    def test_a_kept_count_past_the_limit_reports_the_limit(self, api: Any, kept: None) -> None:
        from agora.catalog.results import LIST_COUNT_LIMIT

        CourseFactory.create_batch(2)
        CatalogTotal.objects.filter(name=totals.PUBLISHED).update(value=LIST_COUNT_LIMIT + 5)

        page = api.get("/courses?page_size=1").json()

        assert page["count"] == LIST_COUNT_LIMIT
        assert page["count_exact"] is False
