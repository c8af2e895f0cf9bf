"""The catalog's fast answers write exactly the bytes the response schemas wrote."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from agora.catalog import answers, queries
from agora.catalog.models import Course
from agora.catalog.schemas import CourseDetailOut, CourseListItemOut
from agora.core.http_cache import json_bytes
from tests.catalog.factories import (
    CoInstructorFactory,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    course_with_curriculum,
)

pytestmark = pytest.mark.django_db

UNICODE = 'Ünïcødé — 日本語 😀 "quoted" \\ back\nline\t\u2028 <b>&</b>'


def _schema_detail(course: Course) -> bytes:
    """What the course detail answered before: the schema over the ORM object."""
    return json_bytes(
        CourseDetailOut.from_orm(queries.with_curriculum(course)).model_dump(mode="json")
    )


def _reloaded(course: Course) -> Course:
    return Course.objects.select_related("owner", "category").get(pk=course.pk)


def _varied_courses() -> list[Course]:
    plain = course_with_curriculum(modules=3, lessons=3)
    rich = CourseFactory(
        title=UNICODE[:120],
        subtitle="",
        description=f"# {UNICODE}\n\n* one\n* **two**\n\n```py\nprint(1)\n```",
        price=0,
        currency="INR",
        average_rating=Decimal("4.67"),
        ratings_count=3,
        enrollments_count=12345,
        learning_outcomes=["Ü", "two"],
        requirements=[],
        tags=["python", "日本"],
        promo_video_url="https://example.com/v?a=1&b=2",
        is_featured=True,
        in_subscription=True,
        level="advanced",
        language="ja",
        published_at=dt.datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=dt.UTC),
        owner__name=UNICODE[:40],
    )
    CoInstructorFactory(course=rich, user__name="Zoë Co")
    CoInstructorFactory(course=rich, user__name="")
    module = ModuleFactory(course=rich, title=UNICODE[:50])
    LessonFactory(module=module, title="Ω", duration_seconds=0, is_preview=True, type="video")
    LessonFactory(module=module, title="quiz", duration_seconds=86400, type="quiz")
    ModuleFactory(course=rich, title="empty module")
    empty = CourseFactory(price=99_999_999, average_rating=Decimal("5.00"))
    no_date = CourseFactory(published_at=None, average_rating=Decimal("0.10"))
    Course.objects.filter(pk=no_date.pk).update(
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # no fraction of a second
    )
    return [_reloaded(c) for c in (plain, rich, empty, no_date)]


def test_course_detail_bytes_match_the_schema() -> None:
    for course in _varied_courses():
        assert answers.course_detail_json(_reloaded(course)) == _schema_detail(course)


def test_list_items_match_the_schema() -> None:
    for course in _varied_courses():
        expected: dict[str, Any] = CourseListItemOut.from_orm(course).model_dump(mode="json")
        got = answers.list_item(course)
        assert list(got) == list(expected)
        assert json_bytes(got) == json_bytes(expected)


def test_course_detail_endpoint_and_list_endpoint_answer_the_fast_bytes(api) -> None:  # type: ignore[no-untyped-def]
    courses = _varied_courses()
    for course in courses:
        response = api.get(f"/courses/{course.pk}")
        assert response.status_code == 200
        assert response.content == _schema_detail(course)
    listing = api.get("/courses?sort=newest&page_size=100")
    assert listing.status_code == 200
    by_id = {item["id"]: item for item in listing.json()["items"]}
    for course in courses:
        assert by_id[course.pk] == CourseListItemOut.from_orm(course).model_dump(mode="json")


@pytest.mark.parametrize("query", ["sort=newest", "q=course", "q=course&sort=price_asc"])
def test_lists_load_only_what_their_items_show_in_a_fixed_number_of_queries(
    api, query: str
) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    courses = _varied_courses()
    with CaptureQueriesContext(connection) as few:
        api.get(f"/courses?{query}&page_size=100")
    courses += [_reloaded(course_with_curriculum(modules=1, lessons=1)) for _ in range(3)]
    with CaptureQueriesContext(connection) as many:
        listing = api.get(f"/courses?{query}&page_size=100&more=1")
    assert len(many) == len(few)  # never a query per course
    items = {item["id"]: item for item in listing.json()["items"]}
    for course in courses:
        if course.pk in items:
            assert items[course.pk] == CourseListItemOut.from_orm(course).model_dump(mode="json")
    assert items
    loads = [q["sql"] for q in many if '"catalog_course"."title"' in q["sql"]]
    assert loads
    assert not any('"catalog_course"."description"' in sql for sql in loads)
