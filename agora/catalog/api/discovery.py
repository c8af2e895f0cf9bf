"""Public catalog reads: categories, the course list and search, facets, a course."""

import re
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Schema

from agora.accounts.auth import viewer
from agora.accounts.types import Viewer
from agora.catalog import answers, cache_keys, course_lists, queries, services, view_counts
from agora.catalog.api.common import course_detail, router
from agora.catalog.models import Course
from agora.catalog.results import LIST_COUNT_LIMIT, SEARCH_LIMIT
from agora.catalog.schemas import (
    CategoryOut,
    CourseDetailOut,
    CoursePageOut,
    FacetsOut,
)
from agora.core import read_ahead
from agora.core.errors import DATABASE_UNAVAILABLE_ERRORS, NotFound
from agora.core.http_cache import cached_json, etag_of, json_response
from agora.core.pagination import DEFAULT_PAGE_SIZE, PageNumber, PageSize
from agora.core.pagination import paginate as paginate_items
from agora.core.schemas import ErrorOut as E
from agora.core.schemas import Id
from agora.core.single_flight import LOCK_SECONDS, Keep, lock_key, single_flight

_Detail = tuple[int, bytes, str] | Course  # a published course's cached answer, or a draft


class CourseQuery(Schema):
    q: str = ""
    category: str = ""
    price: str = ""
    min_rating: Decimal | None = Field(None, ge=0, le=5, description="From 0 to 5.")
    instructor: Id | None = None
    level: str = ""
    language: str = ""
    sort: str = ""
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE

    def filters(self) -> course_lists.CourseFilters:
        return course_lists.CourseFilters(
            q=self.q[:5000],
            category=self.category,
            price=self.price,
            min_rating=self.min_rating,
            instructor=self.instructor,
            level=self.level,
            language=self.language,
            sort=self.sort,
        )


# --- discovery -------------------------------------------------------------------------------
@router.get("/categories", response=list[CategoryOut], summary="All categories")
def list_categories(request: HttpRequest) -> HttpResponse:
    return cached_json(
        request,
        key=cache_keys.list_key("categories", ""),
        build=lambda: [CategoryOut.from_orm(c).model_dump() for c in course_lists.categories()],
    )


@router.get(
    "/courses",
    response={200: CoursePageOut, 422: E},
    summary="Published courses: search, filter, sort, paginate",
    description=(
        "`q` searches title, subtitle, description and instructor names (every word must "
        "match; each word also matches as a prefix; on PostgreSQL a misspelt title word "
        "still matches when the words alone find few courses). `category` takes a slug "
        "(subcategories included); `price` is free or paid; `sort` is relevance (the default "
        "with `q`: title matches first, then subtitle and instructor matches, then "
        "description matches), newest, rating, popular (the default without `q`), trending, "
        "price_asc or price_desc.\n\n"
        f"`count` is exact below {LIST_COUNT_LIMIT:,} courses ({SEARCH_LIMIT:,} with `q`); "
        "a list that reaches the limit reports the limit as its count and "
        "`count_exact: false`. A search reaches its first "
        f"{SEARCH_LIMIT:,} results: later pages are empty (narrow the search instead)."
    ),
)
def list_courses(request: HttpRequest, params: Query[CourseQuery]) -> HttpResponse:
    filters = params.filters()
    filters.validate()

    def build() -> dict[str, Any]:
        results = course_lists.list_course_rows(filters, answers.LIST_COLUMNS)
        page = paginate_items(results, page=params.page, page_size=params.page_size)
        page["items"] = [answers.list_row_item(row) for row in page["items"]]
        page["count_exact"] = page["count"] < results.count_limit
        return page

    return cached_json(
        request,
        key=cache_keys.list_key("courses", request.META.get("QUERY_STRING", "")),
        build=build,
    )


@router.get(
    "/courses/facets",
    response={200: FacetsOut, 422: E},
    summary="Counts per filter value for the current search (for filter panels)",
)
def course_facets(request: HttpRequest, params: Query[CourseQuery]) -> HttpResponse:
    filters = params.filters()
    filters.validate()
    return cached_json(
        request,
        key=cache_keys.list_key("facets", request.META.get("QUERY_STRING", "")),
        build=lambda: course_lists.facets(filters),
    )


@router.get(
    "/courses/{course_id}",
    response={200: CourseDetailOut, 401: E, 404: E},
    summary="A course with its curriculum (id or slug); drafts only for their instructors",
)
def get_course(request: HttpRequest, course_id: str) -> Any:
    user = viewer(request)
    visitor = str(user.pk) if user.is_authenticated else _address_visitor(request)
    today = timezone.localdate()
    # A published course's answer is public and the same for everyone: from the cache it
    # costs no query at all. Asked for by id, it is read while the visitor's view is marked,
    # in one round trip (the view is counted in Redis, see catalog/view_counts.py).
    # On a miss one request rebuilds it; others asking for it meanwhile wait for that one.
    # An anonymous visitor's read and mark went with the address's count (plan_detail_read).
    found: _Detail | None = None
    marked: bool | None = None
    counted = False
    by_id = queries.course_id_in(course_id)
    if by_id:
        mark = services.view_mark(course_id=by_id, visitor=visitor, today=today)
        ahead = read_ahead.take(request, _detail_read(by_id, mark, today))
        found, marked = cache_keys.cached_detail_marking_view(
            by_id, mark, services.VIEW_MARK_SECONDS, ahead
        )
        counted = bool(ahead and ahead.counted)
    if found is None:
        found = _rebuilt(user, course_id, missed=bool(by_id))  # by id, the entry was just read
    if not isinstance(found, tuple):  # a draft, for its instructors: never cached
        services.record_view(course=found.pk, visitor=visitor, today=today, marked=marked)
        return course_detail(found)
    cached_id, body, etag = found
    services.record_view(
        course=cached_id, visitor=visitor, today=today, marked=marked, counted=counted
    )
    return json_response(request, body, etag)


def _rebuilt(user: Viewer, key: str, *, missed: bool, locked: bool = False) -> _Detail:
    """The course's answer built anew, or read once another request has built it (one
    rebuild at a time): a published course's cached answer, or a draft. `locked`: the
    caller holds the rebuild's lock (taken while the answer was found missing)."""
    return cast(  # mypy cannot solve single_flight's T through `T | Keep[T]`
        _Detail,
        single_flight(
            cache_keys.detail_flight_key(key),
            load=lambda: cache_keys.cached_detail(key),
            build=lambda: _build_course_detail(user, key),
            missed=missed,
            locked=locked,
        ),
    )


def _detail_read(
    course_id: int, mark: str, today: date, answer: read_ahead.Answer | None = None
) -> read_ahead.ReadAhead:
    """The cached answer of a course by id, read while its visitor's view is marked (and,
    where the view buffer is the cache's Redis, counted if the answer was there)."""
    return read_ahead.ReadAhead(
        cache_keys.detail_key(course_id),
        mark,
        1,
        services.VIEW_MARK_SECONDS,
        count_added=view_counts.counted_with_cache(course_id, today),
        # The answer rebuilds a missing course under this lock (`_rebuilt`).
        lock_missing=(
            None
            if answer is None
            else (lock_key(cache_keys.detail_flight_key(str(course_id))), LOCK_SECONDS)
        ),
        answer=answer,
    )


# A course the middleware does not answer: none to show (404), or no database (503).
_LEFT_TO_THE_VIEW: tuple[type[Exception], ...] = (NotFound, *DATABASE_UNAVAILABLE_ERRORS)

# Where `get_course` answers, under the API's mount (agora/urls.py); a test reads through it.
_DETAIL_PATH = re.compile(r"/api/v1/courses/([0-9]+)")


def plan_detail_read(request: HttpRequest) -> read_ahead.ReadAhead | None:
    """A course by id asked for with neither a token nor a session, as crawlers and
    signed-out visitors ask: its visitor is its address, known before the view runs, so
    the rate-limit middleware can read the answer and mark the view with its own count
    (registered in CatalogConfig)."""
    if request.method != "GET" or "HTTP_AUTHORIZATION" in request.META:
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    match = _DETAIL_PATH.fullmatch(request.path_info)
    course_id = queries.course_id_in(match[1]) if match else None
    if not course_id:
        return None
    visitor = _address_visitor(request)
    today = timezone.localdate()
    mark = services.view_mark(course_id=course_id, visitor=visitor, today=today)

    def answer(request: HttpRequest, found: read_ahead.Found) -> HttpResponse | None:
        """What `get_course` answers a visitor with neither token nor session: the course's
        public answer, from the cache or built as the view builds it (no need to go in as
        far as the view). None, for the view to answer, when there is no published course
        by this id (404) or the database cannot be reached (503)."""
        cached, marked = cache_keys.cached_detail_marking_view(
            course_id, mark, services.VIEW_MARK_SECONDS, found
        )
        if cached is None:
            try:
                built = _rebuilt(AnonymousUser(), str(course_id), missed=True, locked=found.locked)
            except _LEFT_TO_THE_VIEW:
                built = None
            if not isinstance(built, tuple):  # nothing to show (404), or no database (503)
                if found.counted and found.locked:  # counted for a course not there to show
                    view_counts.take_back(course_id, today)
                return None
            cached = built
        services.record_view(
            course=course_id, visitor=visitor, today=today, marked=marked, counted=found.counted
        )
        return json_response(request, cached[1], cached[2])

    return _detail_read(course_id, mark, today, answer)


def _address_visitor(request: HttpRequest) -> str:
    """Whom a view is counted for when nobody is signed in: the client's address."""
    return f"ip:{request.client_ip}"  # type: ignore[attr-defined]


def _build_course_detail(user: Viewer, key: str) -> Keep[_Detail] | _Detail:
    """A published course's public answer, to be cached; a draft as itself (not cached)."""
    course = queries.get_course_for_viewer(user=user, key=key)
    if not course.is_published:
        return course
    body = answers.course_detail_json(course)  # as CourseDetailOut writes it, without resolvers
    etag = etag_of(body)
    entries = cache_keys.detail_entries(course_id=course.pk, slug=course.slug, body=body, etag=etag)
    return Keep((course.pk, body, etag), entries, cache_keys.TTL_SECONDS)
