"""Reads of the catalog, scoped to who is asking."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.catalog import access, course_lists, lesson_cache, lesson_media
from agora.catalog.errors import CatalogError
from agora.catalog.models import (
    Category,
    Course,
    CourseStatus,
    Lesson,
    LessonType,
    Module,
    Resource,
)
from agora.core import read_ahead
from agora.core.errors import InvalidInput, NotFound, PermissionDenied
from agora.core.prepared import PreparedQuery
from agora.media.models import VideoStatus

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
    courses = course_lists.public_courses()
    return HomeRows(
        featured=list(
            courses.filter(is_featured=True).order_by(*course_lists.ORDER["newest"])[:size]
        ),
        trending=list(
            courses.filter(trending_score__gt=0).order_by(*course_lists.ORDER["trending"])[:size]
        ),
        newest=list(courses.order_by(*course_lists.ORDER["newest"])[:size]),
        top_rated=list(
            courses.filter(ratings_count__gt=0).order_by(*course_lists.ORDER["rating"])[:size]
        ),
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
