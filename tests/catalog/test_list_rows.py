"""The course list is built from rows (an unsearched first page from a prepared statement)
and answers exactly what the schema over the ORM's courses answered, for every filter, sort,
search and page."""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agora.catalog import course_lists, totals
from agora.catalog import search as search_module
from agora.catalog.models import CatalogTotal, Course
from agora.catalog.schemas import CourseListItemOut
from tests.catalog.factories import (
    CategoryFactory,
    CoInstructorFactory,
    CourseFactory,
    DraftCourseFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog() -> dict[str, Any]:
    CatalogTotal.objects.filter(name=totals.PUBLISHED).delete()
    totals.ensure_totals(connection)
    parent = CategoryFactory(slug="making")
    child = CategoryFactory(slug="making-music", parent=parent)
    other = CategoryFactory(slug="other")
    levels = ["beginner", "advanced", "all"]
    # Three courses in four have "painting" in their title, subtitle or description.
    texts = [
        {"title": "Painting with light"},
        {"subtitle": "Painting for everyone"},
        {"description": "Some painting, some drawing."},
    ]
    for n in range(12):
        CourseFactory(
            **(texts[n % 4] if n % 4 < 3 else {}),
            category=(parent, child, other)[n % 3],
            level=levels[n % 3],
            language=("en", "es")[n % 2],
            price=(0, 1999, 4999)[n % 3],
            average_rating=Decimal(str((n % 5) + 0.5)),
            enrollments_count=(n * 7) % 5,
            ratings_count=n,
            trending_score=(n * 3) % 4,
        )
    DraftCourseFactory(level="beginner")
    teacher = CourseFactory().owner
    CoInstructorFactory(user=teacher, course=Course.objects.filter(category=other).first())
    return {"teacher": teacher.pk}


def _expected(query: dict[str, Any], *, page: int, size: int) -> tuple[list[Any], int]:
    filters = course_lists.CourseFilters(**query)
    courses = list(course_lists.list_courses(filters))
    start = (page - 1) * size
    items = [
        CourseListItemOut.from_orm(course).model_dump(mode="json")
        for course in courses[start : start + size]
    ]
    return items, len(courses)


SHAPES = [
    {},
    *({"sort": sort} for sort in course_lists.SORTS if sort != "relevance"),
    {"price": "free"},
    {"price": "paid", "sort": "price_desc"},
    {"level": "beginner"},
    {"language": "es", "sort": "newest"},
    {"level": "advanced", "language": "en", "price": "paid", "sort": "rating"},
    {"category": "making"},
    {"category": "making-music", "sort": "price_asc"},
    {"min_rating": Decimal("2.5")},
    {"instructor": "teacher"},
    {"q": "painting"},
    {"q": "paint", "sort": "newest"},
    {"q": "painting", "sort": "price_asc", "price": "paid"},
    {"q": "painting", "category": "making", "level": "beginner"},
    {"q": "painting light"},
    {"q": "nowhere"},
]


@pytest.mark.parametrize("query", SHAPES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_every_shape_and_page_answers_what_the_orm_answers(
    api: Any, catalog: dict[str, Any], query: dict[str, Any]
) -> None:
    query = {k: catalog["teacher"] if v == "teacher" else v for k, v in query.items()}
    asked = "&".join(f"{name}={value}" for name, value in query.items())
    for page in (1, 2, 3):
        got = api.get(f"/courses?{asked}&page={page}&page_size=3").json()
        items, count = _expected(query, page=page, size=3)
        assert got["items"] == items, (asked, page)
        assert got["count"] == count


def test_the_first_page_of_the_catalog_is_one_query_for_its_rows_and_the_kept_total(
    api: Any, catalog: dict[str, Any]
) -> None:
    api.get("/courses?page_size=5")  # the shape is compiled once, by its first request
    with CaptureQueriesContext(connection) as captured:
        page = api.get("/courses?page_size=5&again=1").json()  # not from the answer cache

    sqls = [query["sql"] for query in captured]
    assert len(sqls) == 1, sqls  # the rows, with the kept total as their last column
    assert sqls[0].endswith("LIMIT 5")
    assert "catalog_catalogtotal" in sqls[0]
    assert page["count"] == Course.objects.filter(status="published").count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared on PostgreSQL only")
def test_on_postgresql_the_first_page_is_a_prepared_statement(
    api: Any, catalog: dict[str, Any]
) -> None:
    api.get("/courses?level=beginner&page_size=4")
    api.get("/courses?level=advanced&page_size=4")

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    ours = [sql for sql in statements if re.search(r'"catalog_course"."level" = \$\d', sql)]
    assert len(ours) == 1  # one statement for both levels
    assert ours[0].endswith("LIMIT 4")


def test_a_search_past_its_limit_pages_through_the_tiers_as_rows(
    api: Any, catalog: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # More matches than the limit: on PostgreSQL, the tiers read in popularity order.
    monkeypatch.setattr(search_module, "SEARCH_LIMIT", 4)
    monkeypatch.setattr(course_lists, "SEARCH_LIMIT", 4)
    for page in (1, 2, 3):
        got = api.get(f"/courses?q=painting&page={page}&page_size=3").json()
        items, count = _expected({"q": "painting"}, page=page, size=3)
        assert got["items"] == items, page
        assert got["count"] == count == 4
        assert got["count_exact"] is False


def test_a_search_reads_its_count_and_its_rows_and_nothing_else(
    api: Any, catalog: dict[str, Any]
) -> None:
    for _ in range(search_module.FUZZY_BELOW):  # enough matches that no typo is looked for
        CourseFactory(title="Painting again")
    with CaptureQueriesContext(connection) as captured:
        page = api.get("/courses?q=painting&page_size=2").json()

    course_reads = [
        query["sql"]
        for query in captured
        if "catalog_course" in query["sql"] or "catalog_word_matches" in query["sql"]
    ]
    # The count (on PostgreSQL from the course words, with the first page's ids), then the
    # page's rows; no course is loaded by id.
    assert len(course_reads) == 2, course_reads
    assert page["count"] == 9 + search_module.FUZZY_BELOW
    assert len(page["items"]) == 2
