"""A prepared query gives what its queryset gives, for every value, from SQL compiled once."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import F, QuerySet
from django.test.utils import CaptureQueriesContext

from agora.catalog.models import Course
from agora.core.prepared import PreparedQuery
from tests.catalog.factories import CourseFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


def _courses() -> list[Course]:
    return [
        course_with_curriculum(modules=1, lessons=1),
        CourseFactory(
            title="Ünïcødé 'quoted' %s 100%",
            average_rating=Decimal("4.67"),
            tags=["python", "日本"],
            published_at=dt.datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=dt.UTC),
        ),
        CourseFactory(published_at=None, thumbnail=""),
    ]


class Counted:
    """A build function that remembers how often it was called."""

    def __init__(self, build: Any) -> None:
        self.build = build
        self.calls = 0

    def __call__(self, *values: Any) -> QuerySet[Any]:
        self.calls += 1
        return self.build(*values)


def test_values_rows_equal_the_querysets_with_converted_values() -> None:
    def build(course_id: int) -> QuerySet[Any]:
        return Course.objects.filter(pk=course_id).values_list(
            "id", "title", "average_rating", "tags", "published_at", "is_featured", "owner__name"
        )

    counted = Counted(build)
    prepared = PreparedQuery(counted, int)
    for course in _courses():
        rows = prepared.rows(course.pk)
        assert rows == list(build(course.pk))
        assert isinstance(rows[0][2], Decimal)
        assert isinstance(rows[0][3], list)
        assert rows[0][4] is None or isinstance(rows[0][4], dt.datetime)
    assert prepared.rows(10**9) == []
    assert counted.calls == 1  # compiled once, for every value after


def test_models_come_with_their_related_objects_in_one_query(
    django_assert_num_queries: Any,
) -> None:
    courses = _courses()
    prepared = PreparedQuery(
        lambda course_id: Course.objects.select_related("owner", "category").filter(pk=course_id),
        int,
    )
    for course in courses:
        with django_assert_num_queries(1):
            found = prepared.first(course.pk)
            assert found == course
            assert (found.owner.email, found.category.slug) == (
                course.owner.email,
                course.category.slug,
            )
            assert (found.title, found.tags, found.published_at) == (
                course.title,
                course.tags,
                course.published_at,
            )
            assert found.thumbnail.name == course.thumbnail.name
        found.title = "changed"
        found.save()  # a model as the ORM loads it: saving works
        course.refresh_from_db()
        assert course.title == "changed"
    assert prepared.first(10**9) is None


def test_text_values_are_sent_as_parameters_never_as_sql() -> None:
    courses = _courses()
    prepared = PreparedQuery(
        lambda slug: Course.objects.filter(slug=slug).values_list("pk", flat=True), str
    )
    assert prepared.rows(courses[1].slug) == [courses[1].pk]
    for hostile in ("x' OR '1'='1", "%s", "%", "'; DELETE FROM catalog_course; --", "\\"):
        assert prepared.rows(hostile) == []
    assert Course.objects.count() == len(courses)


def test_several_values_and_a_reordered_values_list() -> None:
    first, second, _ = _courses()
    prepared = PreparedQuery(
        lambda owner_id, slug: (
            Course.objects.filter(owner_id=owner_id, slug=slug)
            .annotate(doubled=F("enrollments_count") * 2)
            .values_list("doubled", "slug")
        ),
        int,
        str,
    )
    assert prepared.rows(second.owner_id, second.slug) == [
        (second.enrollments_count * 2, second.slug)
    ]
    assert prepared.rows(first.owner_id, second.slug) == []


def test_values_the_sql_does_not_take_as_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="does not reach its SQL"):
        PreparedQuery(lambda word: Course.objects.filter(title__icontains=word), str).rows("x")
    with pytest.raises(ValueError, match="does not reach its SQL"):
        PreparedQuery(lambda course_id: Course.objects.all(), int).rows(1)


def test_values_of_the_wrong_kind_are_refused() -> None:
    prepared = PreparedQuery(lambda course_id: Course.objects.filter(pk=course_id), int)
    with pytest.raises(TypeError, match="expected int"):
        prepared.rows("1")
    with pytest.raises(TypeError, match="expected 1 values"):
        prepared.rows(1, 2)
    with pytest.raises(TypeError, match="ints or strs"):
        PreparedQuery(lambda when: Course.objects.filter(created_at=when), dt.datetime)


def test_a_limit_gives_the_first_rows_in_the_querysets_order() -> None:
    courses = CourseFactory.create_batch(5)
    newest = PreparedQuery(
        lambda currency: (
            Course.objects.filter(currency=currency).order_by("-id").values_list("id", flat=True)
        ),
        str,
    )
    ids = sorted((course.pk for course in courses), reverse=True)

    assert newest.rows("USD", limit=2) == ids[:2]
    assert newest.rows("USD", limit=100) == ids
    assert newest.rows("USD") == ids
    for wrong in (0, -1, True, 2.0, "2"):
        with pytest.raises(TypeError, match="positive int"):
            newest.rows("USD", limit=wrong)  # type: ignore[arg-type]
    sliced = PreparedQuery(lambda pk: Course.objects.filter(pk__gte=pk)[:3], int)
    with pytest.raises(TypeError, match="sliced"):
        sliced.rows(1, limit=2)


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="server-side prepared statements: PostgreSQL"
)


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@postgres_only
def test_on_postgresql_it_is_a_prepared_statement_and_still_logged() -> None:
    course = CourseFactory()
    by_slug = PreparedQuery(lambda slug: Course.objects.filter(slug=slug).values_list("pk"), str)

    with CaptureQueriesContext(connection) as seen:
        assert by_slug.rows(course.slug) == [(course.pk,)]
        assert by_slug.rows("no-such-course") == []

    assert [
        query["sql"].endswith(value)
        for query, value in zip(
            seen.captured_queries, [f"'{course.slug}'", "'no-such-course'"], strict=True
        )
    ] == [True, True]  # logged with its values, as Django logs its own
    ours = [sql for sql in _prepared_statements() if '"catalog_course"."slug" = $1' in sql]
    assert len(ours) == 1  # planned once for both


@postgres_only
def test_without_prepared_statements_it_binds_on_the_client(monkeypatch: Any) -> None:
    course = CourseFactory()
    options = {
        name: value
        for name, value in connection.settings_dict["OPTIONS"].items()
        if name != "prepare_threshold"
    }
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    by_title = PreparedQuery(
        lambda title: Course.objects.filter(title=title).values_list("pk"), str
    )

    assert by_title.rows(course.title) == [(course.pk,)]
    assert not [sql for sql in _prepared_statements() if '"catalog_course"."title" = ' in sql]


@postgres_only
def test_on_postgresql_constants_are_written_in_and_the_plan_made_once() -> None:
    first, second, _ = _courses()
    published = PreparedQuery(
        lambda: (
            Course.objects.filter(status="published", title__contains="%")
            .exclude(currency="o'k")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    )
    by_owner = PreparedQuery(
        lambda owner_id: Course.objects.published().filter(owner_id=owner_id).values_list("pk"),
        int,
    )

    for _ in range(8):  # PostgreSQL makes a custom plan for a run's first five at least
        assert published.rows() == [second.pk]  # the one title with a '%'
        assert by_owner.rows(first.owner_id) == [(first.pk,)]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%%catalog_course%%'"
        )
        plans = {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}
    without_values = next(sql for sql in plans if "LIKE" in sql)
    assert "\"status\" = 'published'" in without_values
    assert "'o''k'" in without_values  # quoted as a literal
    assert "$1" not in without_values
    assert plans[without_values] == (8, 0)  # one generic plan, made once
    with_a_value = next(sql for sql in plans if '"owner_id" = $1' in sql)
    assert "'published'" in with_a_value  # the status is written in; the owner stays a value
