"""Reads of the catalog, scoped to who is asking."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.catalog import access, lesson_cache, lesson_media, search, totals
from agora.catalog.errors import CatalogError
from agora.catalog.models import (
    Category,
    Course,
    CourseInstructor,
    CourseStatus,
    Lesson,
    LessonType,
    Level,
    Module,
    Resource,
)
from agora.catalog.results import LIST_COUNT_LIMIT, SEARCH_LIMIT, CappedResults
from agora.core import read_ahead
from agora.core.errors import InvalidInput, NotFound, PermissionDenied
from agora.core.prepared import PreparedQuery
from agora.media.models import VideoStatus

SORTS = ("relevance", "newest", "rating", "popular", "trending", "price_asc", "price_desc")
_ORDER = {
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
        return bool(
            self.q.strip() or self.category or self.price or self.level or self.language
        ) or (self.min_rating is not None or self.instructor is not None)


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


def list_courses(filters: CourseFilters, *, fields: Sequence[str] = ()) -> CappedResults:
    """Published courses matching the filters, in the requested order. Without a query,
    `relevance` falls back to `popular`. `fields`: load only these (`QuerySet.only`).

    The results are sliced like a list and count up to a limit (results.py): 10,000
    courses, or 1,000 for a text search, which also reaches only its first 1,000 results.
    """
    filters.validate()
    courses = _apply_filters(public_courses(), filters)
    if fields:
        courses = courses.only(*fields)
    searching = bool(filters.q.strip())
    sort = filters.sort or ("relevance" if searching else "popular")
    if not searching:
        ordered = courses.order_by(*_ORDER.get(sort, _ORDER["popular"]))
        # Every published course: the database keeps their number (totals.py).
        known = None if filters.narrows() else totals.published_courses
        return CappedResults(ordered, count_limit=LIST_COUNT_LIMIT, known_total=known)
    if sort == "relevance":
        return search.backend().ranked(courses, filters.q)
    matches = search.backend().filter(courses, filters.q)
    return CappedResults(
        matches.order_by(*_ORDER[sort]),
        count_limit=SEARCH_LIMIT,
        window=SEARCH_LIMIT,
        guard=search.prefer_indexes,
    )


def list_course_rows(filters: CourseFilters, columns: tuple[str, ...]) -> CappedResults:
    """An unsearched list (`filters.q` empty) as rows of `columns` (`values_list`) in the
    requested order, counted as `list_courses` counts.

    The first page of a list filtered by nothing but price, level or language (the catalog's
    first page, what most visitors see) comes from a prepared statement: built and compiled
    once, planned once per connection on PostgreSQL (core/prepared.py).
    """
    filters.validate()
    if filters.q.strip():
        raise ValueError("a search is listed by list_courses")
    sort = filters.sort if filters.sort in _ORDER else "popular"

    @cache  # a category's ids are read once
    def courses() -> QuerySet[Course]:
        return _apply_filters(Course.objects.published(), filters)

    def rows() -> QuerySet[Any]:  # built only for the pages the prepared query is not for
        return courses().order_by(*_ORDER[sort]).values_list(*columns)

    known = None if filters.narrows() else totals.published_courses
    first_page = None
    prepared = _first_pages(filters, sort, columns)
    if prepared is not None:
        values = [value for value in (filters.level, filters.language) if value]
        read_total: list[int | None] = []

        def first_page(limit: int) -> list[Any]:
            found = prepared.rows(*values, limit=limit)
            if known is None:
                return found
            # The whole catalog's first page: the kept total came as the rows' last column.
            read_total[:] = [found[0][-1]] if found else []
            return [row[:-1] for row in found]

        def known_total() -> int | None:
            return read_total[0] if read_total else totals.published_courses()

        if known is not None:
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
            ordered = _apply_filters(Course.objects.published(), shaped).order_by(*_ORDER[sort])
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


# --- one course ------------------------------------------------------------------------------
# A course with its owner and category, by id or by slug: compiled to SQL once.
_COURSE_BY_ID = PreparedQuery(
    lambda course_id: Course.objects.select_related("owner", "category").filter(pk=course_id),
    int,
)
_COURSE_BY_SLUG = PreparedQuery(
    lambda slug: Course.objects.select_related("owner", "category").filter(slug=slug), str
)
LARGEST_ID = 2**63 - 1  # a BIGINT; SQLite refuses a larger Python int outright


def _is_id(key: str | int) -> bool:
    return isinstance(key, int) or (str(key).isascii() and str(key).isdigit())  # not "²"


def course_id_in(key: str | int) -> int | None:
    """The course id `key` (an id or a slug) gives, if it is an id any course can have."""
    course_id = int(key) if _is_id(key) else 0
    return course_id if 0 < course_id <= LARGEST_ID else None


def _course_by_key(key: str | int) -> Course | None:
    if _is_id(key):
        course_id = course_id_in(key)
        return _COURSE_BY_ID.first(course_id) if course_id else None
    if "\x00" in str(key):  # no slug holds NUL, which PostgreSQL refuses to be sent
        return None
    return _COURSE_BY_SLUG.first(str(key)[:220])


def get_course_for_viewer(*, user: Viewer, key: str | int) -> Course:
    """A course by id or slug, if the user may see it (drafts only to their instructors)."""
    course = _course_by_key(key)
    if course is None or not access.can_view_course(user, course):
        raise NotFound("There is no such course.", code=CatalogError.COURSE_NOT_FOUND)
    return course


def get_course_for_editing(*, user: Viewer, course_id: int) -> Course:
    course = _course_by_key(course_id)
    if course is None or not access.can_edit_course(user, course):
        raise NotFound("There is no such course.", code=CatalogError.COURSE_NOT_FOUND)
    return course


def get_course_for_admin(*, course_id: int) -> Course:
    course = _course_by_key(course_id)
    if course is None:
        raise NotFound("There is no such course.", code=CatalogError.COURSE_NOT_FOUND)
    return course


def get_module_for_editing(*, user: Viewer, module_id: int) -> Module:
    module = Module.objects.select_related("course", "course__owner").filter(pk=module_id).first()
    if module is None or not access.can_edit_course(user, module.course):
        raise NotFound("There is no such module.", code=CatalogError.MODULE_NOT_FOUND)
    return module


def _lesson(lesson_id: int) -> Lesson | None:
    return lesson_cache.fetch(lesson_id)  # from the database: editing and checks need it fresh


def get_lesson(lesson_id: int) -> Lesson:
    """A lesson with its module and course, whoever asks; callers check access."""
    lesson = _lesson(lesson_id)
    if lesson is None:
        raise NotFound("There is no such lesson.", code=CatalogError.LESSON_NOT_FOUND)
    return lesson


def get_lesson_for_editing(*, user: Viewer, lesson_id: int) -> Lesson:
    lesson = _lesson(lesson_id)
    if lesson is None or not access.can_edit_course(user, lesson.module.course):
        raise NotFound("There is no such lesson.", code=CatalogError.LESSON_NOT_FOUND)
    return lesson


def get_lesson_for_reading(*, user: Viewer, lesson_id: int) -> tuple[Lesson, bool]:
    """The lesson with its content, and whether the user edits its course (sees the
    answers); 404 if its course is hidden from the user, 403 `enrollment_required` if the
    lesson is locked."""
    lesson = get_lesson(lesson_id)
    return lesson, access.check_lesson_readable(user, lesson)


def read_lesson(
    *, user: Viewer, lesson_id: int, ahead: read_ahead.Found | None = None
) -> tuple[Lesson, list[dict[str, Any]], bool]:
    """`get_lesson_for_reading` for the lesson player's API, from the cache when it can
    (lesson_cache; `ahead`: its entry as read with the call's rate-limit count): the lesson,
    its resources as `ResourceOut` values, and whether the user edits its course. The access
    check runs every time."""
    found = lesson_cache.load(lesson_id, ahead)
    if found is None:
        raise NotFound("There is no such lesson.", code=CatalogError.LESSON_NOT_FOUND)
    lesson, resources = found
    return lesson, resources, access.check_lesson_readable(user, lesson)


def _readable(user: Viewer, lesson: Lesson) -> bool:
    try:
        access.check_lesson_readable(user, lesson)
    except (NotFound, PermissionDenied):
        return False
    return True


def lesson_media_urls(
    user: Viewer, lesson: Lesson, *, readable: bool | None = None
) -> dict[str, str | None]:
    """Signed, expiring links to the lesson's media for `user`, for the lesson API and the
    player; None for what the lesson lacks or the user may not open. `hls` is the processed
    video's master playlist (with `poster` and `thumbnails`); `video` is an upload from
    before the pipeline, handed out only until its processed video is ready. Never a /media/
    address: see agora/media/signing.py. `readable`: what the caller's own check of the
    lesson found, if it made one (None: check here)."""
    keys = ("video", "subtitles", "hls", "poster", "thumbnails")
    urls: dict[str, str | None] = dict.fromkeys(keys)
    has_media = lesson.video_file or lesson.subtitle_file or lesson.video_id
    if not has_media:
        return urls
    if not (_readable(user, lesson) if readable is None else readable):
        return urls
    urls["hls"] = lesson_media.video_url(lesson, user)
    if urls["hls"]:
        urls["poster"] = lesson_media.video_url(lesson, user, "poster.jpg")
        urls["thumbnails"] = lesson_media.video_url(lesson, user, "thumbs/thumbnails.vtt")
    else:
        urls["video"] = lesson_media.signed_url("video", lesson, user)
    urls["subtitles"] = lesson_media.signed_url("subtitles", lesson, user)
    return urls


def lesson_video(*, user: Viewer, lesson_id: int) -> dict[str, Any]:
    """The lesson's video as GET /lessons/{id}/video answers it: for its instructors, and
    for those who may watch the lesson (others: 404 / 403 as for the lesson)."""
    lesson = _lesson(lesson_id)
    if lesson is None:
        raise NotFound("There is no such lesson.", code=CatalogError.LESSON_NOT_FOUND)
    if not access.can_edit_course(user, lesson.module.course):
        access.check_lesson_readable(user, lesson)
    video = lesson.video
    if video is None:
        raise NotFound("This lesson has no processed video.", code="no_video")
    ready = video.status == VideoStatus.READY
    return {
        "status": video.status,
        "progress": video.progress,
        "duration_seconds": video.duration_seconds,
        "renditions": video.renditions if ready else [],
        "poster_url": lesson_media.video_url(lesson, user, "poster.jpg"),
        "hls_url": lesson_media.video_url(lesson, user),
        "thumbnails_url": lesson_media.video_url(lesson, user, "thumbs/thumbnails.vtt"),
        "error": video.error or None if video.status == VideoStatus.FAILED else None,
    }


def resource_media_url(user: Viewer, resource: Resource) -> str | None:
    """A signed, expiring link to a resource's file (None for a link resource or when the
    user may not open its lesson)."""
    if not resource.file or not _readable(user, resource.lesson):
        return None
    return lesson_media.signed_url("resource", resource, user)


def get_resource_for_download(*, user: Viewer, resource_id: int) -> Resource:
    resource = Resource.objects.select_related("lesson").filter(pk=resource_id).first()
    if resource is None:
        raise NotFound("There is no such file.", code=CatalogError.RESOURCE_NOT_FOUND)
    get_lesson_for_reading(user=user, lesson_id=resource.lesson_id)
    return resource


def get_resource_for_editing(*, user: Viewer, resource_id: int) -> Resource:
    resource = (
        Resource.objects.select_related("lesson__module__course").filter(pk=resource_id).first()
    )
    if resource is None or not access.can_edit_course(user, resource.lesson.module.course):
        raise NotFound("There is no such file.", code=CatalogError.RESOURCE_NOT_FOUND)
    return resource


def curriculum(course: Course) -> list[Module]:
    """Modules with their lessons, in order: two queries whatever the size."""
    return list(
        Module.objects.filter(course=course).prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.order_by("position", "id"))
        )
    )


def instructor_courses(*, user: Viewer) -> QuerySet[Course]:
    return (
        Course.objects.filter(Q(owner=user) | Q(co_instructors__user=user))
        .distinct()
        .select_related("owner", "category")
        .order_by("-updated_at", "-id")
    )


def courses_for_admin(*, status: str = "") -> QuerySet[Course]:
    courses = Course.objects.select_related("owner", "category")
    if status:
        if status not in CourseStatus.values:
            raise InvalidInput(
                fields={"status": [f"status is one of {', '.join(CourseStatus.values)}."]}
            )
        courses = courses.filter(status=status)
    # The review queue: oldest submissions first.
    return courses.order_by("updated_at", "id")


# --- pages -----------------------------------------------------------------------------------
HOME_ROW_SIZE = 8


@dataclass(frozen=True)
class HomeRows:
    featured: list[Course]
    trending: list[Course]
    newest: list[Course]
    top_rated: list[Course]

    @property
    def is_empty(self) -> bool:
        return not (self.featured or self.trending or self.newest or self.top_rated)


def home_rows(*, size: int = HOME_ROW_SIZE) -> HomeRows:
    """The home page's rows of published courses, one query each."""
    courses = public_courses()
    return HomeRows(
        featured=list(courses.filter(is_featured=True).order_by(*_ORDER["newest"])[:size]),
        trending=list(courses.filter(trending_score__gt=0).order_by(*_ORDER["trending"])[:size]),
        newest=list(courses.order_by(*_ORDER["newest"])[:size]),
        top_rated=list(courses.filter(ratings_count__gt=0).order_by(*_ORDER["rating"])[:size]),
    )


@dataclass(frozen=True)
class CategoryGroup:
    category: Category
    children: list[Category]


def category_tree() -> list[CategoryGroup]:
    """Top-level categories with their subcategories, in display order: one query."""
    everything = list(Category.objects.order_by("position", "name"))
    groups = {c.pk: CategoryGroup(c, []) for c in everything if c.parent_id is None}
    for category in everything:
        if category.parent_id in groups:
            groups[category.parent_id].children.append(category)
    return list(groups.values())


def course_instructors(course: Course) -> list[User]:
    """The people who teach the course, the owner first: one query."""
    co_instructors = course.co_instructors.select_related("user").order_by("id")
    return [course.owner, *(ci.user for ci in co_instructors)]


@dataclass(frozen=True)
class InstructorFigures:
    courses: int
    learners: int
    rating: Decimal | None  # over every rating of their published courses
    ratings: int


def instructor_figures(people: list[User]) -> dict[int, InstructorFigures]:
    """What instructor cards show, for each person: their published courses (owned or
    co-taught), the learners in them and the rating across all those courses' ratings. Two
    queries however many people."""
    sums: dict[int, list[Decimal]] = {person.pk: [Decimal(0)] * 4 for person in people}
    published = Q(status=CourseStatus.PUBLISHED)
    figures = {
        "courses": Count("id"),
        "learners": Coalesce(Sum("enrollments_count"), 0),
        "ratings": Coalesce(Sum("ratings_count"), 0),
        "weighted": Coalesce(Sum(F("average_rating") * F("ratings_count")), Decimal(0)),
    }
    owned = (
        Course.objects.filter(published, owner__in=people)
        .values("owner_id")
        .annotate(**figures)
        .values_list("owner_id", *figures)
    )
    co_taught = (
        Course.objects.filter(published, co_instructors__user__in=people)
        .values("co_instructors__user_id")
        .annotate(**figures)
        .values_list("co_instructors__user_id", *figures)
    )
    for person_id, *values in [*owned, *co_taught]:
        sums[person_id] = [a + Decimal(b) for a, b in zip(sums[person_id], values, strict=True)]
    result = {}
    for person_id, (courses, learners, ratings, weighted) in sums.items():
        rating = (weighted / ratings).quantize(Decimal("0.1")) if ratings else None
        result[person_id] = InstructorFigures(
            courses=int(courses), learners=int(learners), rating=rating, ratings=int(ratings)
        )
    return result


def more_from_instructor(course: Course, *, limit: int = 4) -> list[Course]:
    """The owner's other published courses, the most learners first."""
    return list(
        Course.objects.filter(owner_id=course.owner_id, status=CourseStatus.PUBLISHED)
        .exclude(pk=course.pk)
        .select_related("owner", "category")
        .order_by("-enrollments_count", "-id")[:limit]
    )


def whats_included(course: Course, lessons: list[Lesson]) -> dict[str, int]:
    """The buy card's list: video time, lessons by kind, downloadable resources."""
    return {
        "video_seconds": sum(
            lesson.duration_seconds for lesson in lessons if lesson.type == LessonType.VIDEO
        ),
        "quizzes": sum(1 for lesson in lessons if lesson.type == LessonType.QUIZ),
        "exercises": sum(1 for lesson in lessons if lesson.type == LessonType.CODE),
        "resources": Resource.objects.filter(lesson__module__course=course).count(),
    }


def co_instructor_shares(course: Course) -> list[Any]:
    """The course's co-instructors (with `user` loaded) and their revenue shares."""
    return list(course.co_instructors.select_related("user").order_by("id"))


def find_person_by_email(*, email: str) -> Any | None:
    """An active account with this email address, for adding a co-instructor."""
    from agora.accounts.models import User

    email = (email or "").strip()
    if not email:
        return None
    return User.objects.filter(email__iexact=email, is_active=True, erased_at__isnull=True).first()


def studio_courses(*, user: Viewer) -> QuerySet[Course]:
    """The instructor's courses, every status, with how many lessons each has."""
    return instructor_courses(user=user).annotate(
        lessons_total=Count("modules__lessons", distinct=True)
    )


def with_curriculum(course: Course) -> Course:
    """The course ready for an API detail answer: its curriculum loaded in two queries."""
    course.curriculum = curriculum(course)  # type: ignore[attr-defined]
    return course
