"""Lists of published courses: filters, sorts, the capped count, search and facets; what the
catalog's browse page and `GET /api/v1/courses` read."""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.db.models import Count, Q, QuerySet

from agora.catalog import search, totals
from agora.catalog.models import Category, Course, CourseInstructor, Level
from agora.catalog.results import LIST_COUNT_LIMIT, SEARCH_LIMIT, CappedResults
from agora.core.errors import InvalidInput
from agora.core.prepared import PreparedQuery

SORTS = ("relevance", "newest", "rating", "popular", "trending", "price_asc", "price_desc")
ORDER = {
    "newest": ["-published_at", "-id"],
    "rating": ["-average_rating", "-ratings_count", "-id"],
    "popular": ["-enrollments_count", "-id"],
    "trending": ["-trending_score", "-id"],
    "price_asc": ["price", "-id"],
    "price_desc": ["-price", "-id"],
}
RATING_BUCKETS = (Decimal("4.5"), Decimal("4.0"), Decimal("3.5"), Decimal("3.0"))


@dataclass(frozen=True)
class CourseFilters:
    q: str = ""
    category: str = ""
    price: str = ""
    min_rating: Decimal | None = None
    instructor: int | None = None
    level: str = ""
    language: str = ""
    sort: str = ""

    def validate(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.price not in ("", "free", "paid"):
            errors["price"] = ["price is free or paid."]
        if self.level and self.level not in Level.values:
            errors["level"] = [f"level is one of {', '.join(Level.values)}."]
        if self.sort and self.sort not in SORTS:
            errors["sort"] = [f"sort is one of {', '.join(SORTS)}."]
        if self.min_rating is not None and not Decimal(0) <= self.min_rating <= Decimal(5):
            errors["min_rating"] = ["min_rating is from 0 to 5."]
        for name in ("category", "language"):
            # PostgreSQL refuses NUL in any text it is sent; no slug or code holds one.
            if "\x00" in getattr(self, name):
                errors[name] = [f"{name} holds a character that is not allowed."]
        if errors:
            raise InvalidInput(fields=errors)

    def narrows(self) -> bool:
        """Whether these filters leave out any published course (a sort does not)."""
        return bool(self.q.strip()) or self.narrows_besides_q()

    def narrows_besides_q(self) -> bool:
        """Whether any filter other than the text search leaves out a published course."""
        return bool(self.category or self.price or self.level or self.language) or (
            self.min_rating is not None or self.instructor is not None
        )


def categories() -> QuerySet[Category]:
    return Category.objects.select_related("parent").order_by("parent_id", "position", "name")


def _category_ids(slug: str) -> list[int]:
    """The category and its subcategories; unknown slugs match nothing."""
    found = Category.objects.filter(Q(slug=slug) | Q(parent__slug=slug)).values_list(
        "id", flat=True
    )
    return list(found)


def public_courses() -> QuerySet[Course]:
    # Lists show no description: its stored rendering stays in the database.
    return Course.objects.published().select_related("owner", "category").defer("description_html")


def _apply_filters(
    courses: QuerySet[Course], f: CourseFilters, *, skip: str = ""
) -> QuerySet[Course]:
    if f.category and skip != "category":
        courses = courses.filter(category_id__in=_category_ids(f.category))
    if f.price == "free" and skip != "price":
        courses = courses.filter(price=0)
    elif f.price == "paid" and skip != "price":
        courses = courses.filter(price__gt=0)
    if f.min_rating is not None and skip != "rating":
        courses = courses.filter(average_rating__gte=f.min_rating)
    if f.instructor is not None:
        # The co-taught course ids first (a short list), not a join: a join repeats a course
        # once per co-instructor in the facet counts, and neither a join nor a subquery
        # inside the OR can be answered through indexes (owner_id's and the primary key's).
        co_taught = list(
            CourseInstructor.objects.filter(user_id=f.instructor).values_list(
                "course_id", flat=True
            )
        )
        courses = courses.filter(Q(owner_id=f.instructor) | Q(pk__in=co_taught))
    if f.level and skip != "level":
        courses = courses.filter(level=f.level)
    if f.language and skip != "language":
        courses = courses.filter(language=f.language)
    return courses


def list_courses(filters: CourseFilters) -> CappedResults:
    """Published courses matching the filters, in the requested order. Without a query,
    `relevance` falls back to `popular`.

    The results are sliced like a list and count up to a limit (results.py): 10,000
    courses, or 1,000 for a text search, which also reaches only its first 1,000 results.
    """
    filters.validate()
    courses = _apply_filters(public_courses(), filters)
    searching = bool(filters.q.strip())
    sort = filters.sort or ("relevance" if searching else "popular")
    if not searching:
        ordered = courses.order_by(*ORDER.get(sort, ORDER["popular"]))
        # Every published course: the database keeps their number (totals.py).
        known = None if filters.narrows() else totals.published_courses
        return CappedResults(ordered, count_limit=LIST_COUNT_LIMIT, known_total=known)
    return _searched(courses, filters, sort)


def _searched(
    courses: search.Courses, filters: CourseFilters, sort: str, columns: tuple[str, ...] = ()
) -> CappedResults:
    """The courses matching the text search `filters.q`, sorted; rows of `columns` if given.
    `courses` may be a function building them, called only if needed."""
    if sort == "relevance":
        whole_catalog = not filters.narrows_besides_q()
        return search.backend().ranked(
            courses, filters.q, columns=columns, whole_catalog=whole_catalog
        )
    if not isinstance(courses, QuerySet):
        courses = courses()
    matches = search.backend().filter(courses, filters.q).order_by(*ORDER[sort])
    return CappedResults(
        matches.values_list(*columns) if columns else matches,
        count_limit=SEARCH_LIMIT,
        window=SEARCH_LIMIT,
        guard=search.prefer_indexes,
    )


def list_course_rows(filters: CourseFilters, columns: tuple[str, ...]) -> CappedResults:
    """`list_courses` as rows of `columns` (`values_list`) in place of courses: the same
    courses in the same order, counted the same way.

    The first page of a list filtered by nothing but price, level or language (the catalog's
    first page, what most visitors see) comes from a prepared statement: built and compiled
    once, planned once per connection on PostgreSQL (core/prepared.py).
    """
    filters.validate()
    if filters.q.strip():

        def matching() -> QuerySet[Course]:  # built only if the search needs it
            return _apply_filters(Course.objects.published(), filters)

        return _searched(matching, filters, filters.sort or "relevance", columns)
    sort = filters.sort if filters.sort in ORDER else "popular"

    @cache  # a category's ids are read once
    def courses() -> QuerySet[Course]:
        return _apply_filters(Course.objects.published(), filters)

    def rows() -> QuerySet[Any]:  # built only for the pages the prepared query is not for
        return courses().order_by(*ORDER[sort]).values_list(*columns)

    whole_catalog = not filters.narrows()
    known = totals.published_courses if whole_catalog else None
    first_page = None
    prepared = _first_pages(filters, sort, columns)
    if prepared is not None:
        values = [value for value in (filters.level, filters.language) if value]
        read_total: list[int | None] = []

        def first_page(limit: int) -> list[Any]:
            found = prepared.rows(*values, limit=limit)
            if not whole_catalog:
                return found
            # The whole catalog's first page: the kept total came as the rows' last column.
            read_total[:] = [found[0][-1]] if found else []
            return [row[:-1] for row in found]

        def known_total() -> int | None:
            return read_total[0] if read_total else totals.published_courses()

        if whole_catalog:
            known = known_total

    return CappedResults(
        rows,
        count_limit=LIST_COUNT_LIMIT,
        known_total=known,
        first_page=first_page,
        counted=courses,  # the ids alone, without the joins the rows need
    )


# One prepared query per shape of list: sort, price, whether a level and a language are
# asked for, and the columns (at most 72 shapes for the API's columns).
_FIRST_PAGES: dict[tuple[Any, ...], PreparedQuery] = {}


def _first_pages(
    filters: CourseFilters, sort: str, columns: tuple[str, ...]
) -> PreparedQuery | None:
    """The prepared query of this list's shape, or None when a filter's value would change
    its SQL (a category's or an instructor's courses are listed by id, a rating is a
    decimal). Unfiltered, its rows end with the kept number of published courses."""
    if filters.category or filters.min_rating is not None or filters.instructor is not None:
        return None
    shape = (sort, filters.price, bool(filters.level), bool(filters.language), columns)
    prepared = _FIRST_PAGES.get(shape)
    if prepared is None:

        def build(*values: str) -> QuerySet[Any]:
            given = iter(values)
            level = next(given) if filters.level else ""
            language = next(given) if filters.language else ""
            shaped = CourseFilters(price=filters.price, level=level, language=language)
            ordered = _apply_filters(Course.objects.published(), shaped).order_by(*ORDER[sort])
            if shaped.narrows():
                return ordered.values_list(*columns)
            # Every published course: their kept number comes along, in the same round trip.
            kept = ordered.annotate(kept_total=totals.published_courses_column())
            return kept.values_list(*columns, "kept_total")

        kinds = [str] * (bool(filters.level) + bool(filters.language))
        prepared = _FIRST_PAGES[shape] = PreparedQuery(build, *kinds)
    return prepared


def facets(filters: CourseFilters) -> dict[str, Any]:
    """Counts for the filter panel. Each dimension is counted with every other filter applied
    but its own, so choosing a value never hides its alternatives."""
    filters.validate()
    if filters.q.strip():
        with search.prefer_indexes():
            return _facets(filters)
    return _facets(filters)


def _facets(filters: CourseFilters) -> dict[str, Any]:
    base = public_courses().order_by()
    if filters.q.strip():
        base = search.backend().filter(base, filters.q).order_by()

    def counted(dimension: str, field: str) -> dict[str, int]:
        rows = _apply_filters(base, filters, skip=dimension).values(field).annotate(n=Count("id"))
        return {str(row[field]): row["n"] for row in rows}

    by_category_id = counted("category", "category_id")
    category_counts: dict[str, int] = {}
    all_categories = {category.pk: category for category in Category.objects.all()}
    for category_id, count in by_category_id.items():
        category = all_categories.get(int(category_id))
        while category is not None:  # a course counts for its category and the parents
            category_counts[category.slug] = category_counts.get(category.slug, 0) + count
            category = all_categories.get(category.parent_id) if category.parent_id else None
    price_rows = _apply_filters(base, filters, skip="price").aggregate(
        free=Count("id", filter=Q(price=0)), paid=Count("id", filter=Q(price__gt=0))
    )
    rating_rows = _apply_filters(base, filters, skip="rating").aggregate(
        **{f"r{b}": Count("id", filter=Q(average_rating__gte=b)) for b in RATING_BUCKETS}
    )
    return {
        "category": category_counts,
        "price": {"free": price_rows["free"], "paid": price_rows["paid"]},
        "rating": {str(b): rating_rows[f"r{b}"] for b in RATING_BUCKETS},
        "level": counted("level", "level"),
        "language": counted("language", "language"),
    }
