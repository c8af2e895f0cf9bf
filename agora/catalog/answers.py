"""The catalog's hottest answers built straight from rows, without Ninja's per-attribute
resolvers.

`CourseListItemOut.from_orm(course)` and `CourseDetailOut.from_orm(course)` walk every field
through Ninja's `DjangoGetter` and a Python resolver; for a course with a curriculum that was
most of a cold detail request (bench/profiles/). These functions build the same JSON from
plain values: the same fields in the same order, datetimes formatted by pydantic, so the bytes
are those the schemas write (tests/catalog/test_answers.py compares both on varied courses).
The schemas stay the documented response types in the OpenAPI schema.

`lesson` does the same for `LessonOut`, the lesson player's read (its datetimes are left to
the API renderer, as Ninja's were: tests/catalog/test_lesson_answer.py compares the bytes).
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import IntegerField, QuerySet, Value
from django.urls import reverse
from pydantic_core import to_json, to_jsonable_python

from agora.catalog.models import Course, CourseInstructor, Lesson, LessonType, Module
from agora.core.markdown import render_markdown
from agora.core.prepared import PreparedQuery

LESSON_FIELDS = ("id", "title", "type", "position", "duration_seconds", "is_preview")


# What a list item is made of, in the order `list_row_item` reads it: an unsearched list
# selects these columns alone (`values_list`), with neither model instances nor descriptions.
LIST_COLUMNS = (
    "id",
    "slug",
    "title",
    "subtitle",
    "price",
    "currency",
    "average_rating",
    "ratings_count",
    "enrollments_count",
    "owner_id",
    "owner__name",
    "category__slug",
    "category__name",
    "level",
    "language",
    "thumbnail",
    "published_at",
    "status",
    "in_subscription",
)
_THUMBNAILS = Course._meta.get_field("thumbnail").storage


def list_row_item(row: Sequence[Any]) -> dict[str, Any]:
    """`CourseListItemOut` in JSON mode, from a row of LIST_COLUMNS."""
    (
        pk,
        slug,
        title,
        subtitle,
        price,
        currency,
        average_rating,
        ratings_count,
        enrollments_count,
        owner_id,
        owner_name,
        category_slug,
        category_name,
        level,
        language,
        thumbnail,
        published_at,
        status,
        in_subscription,
    ) = row
    return {
        "id": pk,
        "slug": slug,
        "title": title,
        "subtitle": subtitle,
        "price": price,
        "currency": currency,
        "average_rating": float(average_rating),
        "ratings_count": ratings_count,
        "enrollments_count": enrollments_count,
        "instructor": {"id": owner_id, "name": owner_name},
        "category": {"slug": category_slug, "name": category_name},
        "level": level,
        "language": language,
        "thumbnail_url": _THUMBNAILS.url(thumbnail) if thumbnail else None,
        "published_at": to_jsonable_python(published_at),
        "status": status,
        "in_subscription": in_subscription,
    }


def list_item(course: Course) -> dict[str, Any]:
    """`CourseListItemOut` in JSON mode, for a course with its owner and category loaded."""
    return list_row_item(
        (
            course.pk,
            course.slug,
            course.title,
            course.subtitle,
            course.price,
            course.currency,
            course.average_rating,
            course.ratings_count,
            course.enrollments_count,
            course.owner_id,
            course.owner.name,
            course.category.slug,
            course.category.name,
            course.level,
            course.language,
            course.thumbnail.name,
            course.published_at,
            course.status,
            course.in_subscription,
        )
    )


# The curriculum, compiled to SQL once (building and compiling it cost more than running it:
# bench/README.md): the modules joined to their lessons.
_CURRICULUM = PreparedQuery(
    lambda course_id: _modules_with_lessons(course_id).order_by(
        "position", "id", "lessons__position", "lessons__id"
    ),
    int,
)
# The detail's read besides the course itself: the curriculum's rows (kind 0), then the
# co-instructors' (kind 1: user id, name and the row's id in the module's id, title and
# position columns), in one statement.
_MODULE, _CO_INSTRUCTOR = 0, 1
_CURRICULUM_AND_CO_INSTRUCTORS = PreparedQuery(
    lambda course_id: (
        _modules_with_lessons(course_id, kind=_MODULE)
        .union(_co_instructors(course_id), all=True)
        .order_by("kind", "position", "id", "lessons__position", "lessons__id")
    ),
    int,
)


def _kind(kind: int) -> Value:
    return Value(kind, output_field=IntegerField())


def _modules_with_lessons(course_id: int, kind: int | None = None) -> QuerySet[Any]:
    modules = Module.objects.filter(course_id=course_id).order_by()
    lessons = [f"lessons__{field}" for field in LESSON_FIELDS]
    if kind is None:
        return modules.values_list("id", "title", "position", *lessons)
    return modules.annotate(kind=_kind(kind)).values_list(
        "kind", "id", "title", "position", *lessons
    )


def _co_instructors(course_id: int) -> QuerySet[Any]:
    no_lesson = {f"no_{field}": Value(None, output_field=IntegerField()) for field in LESSON_FIELDS}
    return (
        CourseInstructor.objects.filter(course_id=course_id)
        .order_by()
        .annotate(kind=_kind(_CO_INSTRUCTOR), **no_lesson)
        .values_list("kind", "user_id", "user__name", "id", *no_lesson)
    )


def curriculum_rows(course: Course) -> list[dict[str, Any]]:
    """Modules with their lessons, in order, as `ModuleOut` values: one narrow query (the
    modules joined to their lessons; a module without lessons comes once, with none)."""
    return _modules(_CURRICULUM.rows(course.pk))


def _modules(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    modules: dict[int, dict[str, Any]] = {}
    for module_id, title, position, *lesson in rows:
        module = modules.get(module_id)
        if module is None:
            module = modules[module_id] = {
                "id": module_id,
                "title": title,
                "position": position,
                "lessons": [],
            }
        if lesson[0] is not None:
            module["lessons"].append(dict(zip(LESSON_FIELDS, lesson, strict=True)))
    return list(modules.values())


def course_detail_json(course: Course) -> bytes:
    """`CourseDetailOut` of a course (owner and category loaded) as JSON bytes."""
    rows = _CURRICULUM_AND_CO_INSTRUCTORS.rows(course.pk)
    modules = _modules(row[1:] for row in rows if row[0] == _MODULE)
    lessons = [lesson for module in modules for lesson in module["lessons"]]
    instructors = [{"id": course.owner_id, "name": course.owner.name}]
    instructors += [{"id": row[1], "name": row[2]} for row in rows if row[0] == _CO_INSTRUCTOR]
    answer = list_item(course)
    answer["published_at"] = course.published_at
    answer.update(
        {
            "description": course.description,
            "description_html": course.rendered_description,
            "learning_outcomes": course.learning_outcomes,
            "requirements": course.requirements,
            "tags": course.tags,
            "promo_video_url": course.promo_video_url,
            "rejection_reason": course.rejection_reason,
            "is_featured": course.is_featured,
            "instructors": instructors,
            "modules": modules,
            "lessons_count": len(lessons),
            "total_duration_seconds": sum(lesson["duration_seconds"] for lesson in lessons),
            "created_at": course.created_at,
            "updated_at": course.updated_at,
        }
    )
    return to_json(answer)


TEST_FIELDS = ("name", "stdin", "expected_stdout", "hidden")
QUESTION_FIELDS = ("id", "prompt", "kind", "options", "correct", "accepted_answers")


def visible_tests(lesson: Lesson, show_answers: bool) -> list[dict[str, Any]]:
    """A code lesson's tests: all of them for its course's editors, the visible ones for
    everyone else (the hidden ones keep learners from printing the expected answers)."""
    tests = list(lesson.code_tests or [])
    return tests if show_answers else [test for test in tests if not test.get("hidden")]


def resource_url(resource_id: int, url: str) -> str:
    """Where a resource opens: its link, or for an uploaded file the API's download, which
    checks access first."""
    return url or reverse("api:catalog_download_resource", kwargs={"resource_id": resource_id})


def lesson(
    lesson: Lesson,
    *,
    resources: list[dict[str, Any]],
    media: dict[str, str | None],
    show_answers: bool,
) -> dict[str, Any]:
    """`LessonOut` of a lesson loaded with its module and video, as the API renderer takes
    it. `resources`: its `ResourceOut` values (lesson_cache.resource_rows); `media`: the
    signed links for this viewer (queries.lesson_media_urls); the hidden code tests and the
    quiz's questions only with `show_answers` (the course's editors)."""
    tests = [
        {field: test[field] for field in TEST_FIELDS}
        for test in visible_tests(lesson, show_answers)
    ]
    questions = None
    if show_answers:
        questions = [
            dict(zip(QUESTION_FIELDS, row, strict=True))
            for row in lesson.questions.values_list(*QUESTION_FIELDS)
        ]
    return {
        "id": lesson.pk,
        "module_id": lesson.module_id,
        "course_id": lesson.module.course_id,
        "title": lesson.title,
        "type": lesson.type,
        "position": lesson.position,
        "is_preview": lesson.is_preview,
        "duration_seconds": lesson.duration_seconds,
        "body": lesson.body,
        "body_html": render_markdown(lesson.body),
        "video_url": lesson.video_url,
        "pass_percent": lesson.pass_percent,
        "max_attempts": lesson.max_attempts,
        "shuffle_questions": lesson.shuffle_questions,
        "code_language": lesson.code_language,
        "language": lesson.code_language,
        "starter_code": lesson.starter_code,
        "instructions": lesson.body if lesson.type == LessonType.ASSIGNMENT else "",
        "due_at": lesson.due_at,
        "max_points": lesson.max_points,
        "pass_points": lesson.pass_points,
        "tests": tests,
        "video_file_url": media.get("video"),
        "subtitles_url": media.get("subtitles"),
        "resources": resources,
        "questions": questions,
    }
