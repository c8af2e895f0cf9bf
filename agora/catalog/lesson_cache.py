"""A lesson as the lesson player reads it, remembered: the row with its module, course and
video, and its resources. Every learner of a course reads the same lessons, and the two
queries that load one were most of a lesson read (bench/README.md); from the cache the read
asks the database nothing.

Who may read it is never remembered here: the access check runs on every read, on the
course's status, owner and co-instructors as remembered with the lesson. So whatever changes
them forgets the lesson at once, and again once the change commits (a read in between would
otherwise remember the row as it was):

- saving or deleting a lesson, a resource, a module, a course or a co-instructor, and
  saving a video (signals, connected in CatalogConfig: the studio, the admin, cascades);
- an UPDATE of lessons, which sends no signal (moves, reordering, a new video or subtitles
  file, linking a video, a video turning ready): `Lesson.objects` is a `LessonQuerySet`,
  whose `update` forgets the lessons it changes.

Entries also expire after `LESSON_CACHE_SECONDS`, a bound should a change ever slip past
both. The figures a course's row carries (learners, ratings, views) change without telling
anyone; the lesson read does not use them.
"""

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from agora.catalog import access, answers
from agora.catalog.models import Course, Lesson, Module, Resource
from agora.core import read_ahead
from agora.core.prepared import PreparedQuery

LESSON_CACHE_SECONDS = 60
RESOURCE_FIELDS = ("id", "title", "url", "size_bytes", "content_type")


def _key(lesson_id: int) -> str:
    return f"catalog:lesson:{lesson_id}"


_LESSON = PreparedQuery(
    lambda lesson_id: (
        Lesson.objects.select_related("module__course", "video").filter(pk=lesson_id).order_by()
    ),
    int,
)


def fetch(lesson_id: int) -> Lesson | None:
    """The lesson with its module, course and video, from the database (None: no such
    lesson). Not the owner: the checks read `owner_id`, and its row would double the
    columns. Compiled once (PreparedQuery): building and compiling the four-table query
    cost more than running it, on every completion, quiz and first position report."""
    if not 0 < lesson_id < 2**63:  # beyond the database's integers: no such row
        return None
    lesson: Lesson | None = _LESSON.first(lesson_id)
    return lesson


def read_ahead_of(lesson_id: int) -> read_ahead.ReadAhead:
    """The lesson's entry, read with its call's rate-limit count (read_ahead)."""
    return read_ahead.ReadAhead(_key(lesson_id))


def load(
    lesson_id: int, ahead: read_ahead.Found | None = None
) -> tuple[Lesson, list[dict[str, Any]]] | None:
    """`fetch`, with the lesson's resources as `ResourceOut` values, remembered; None if
    there is no such lesson (which is not remembered). `ahead`: the entry as read already
    with the call's rate-limit count (`read_ahead_of`)."""
    key = _key(lesson_id)
    found = cache.get(key) if ahead is None else ahead.value
    if isinstance(found, tuple) and len(found) == 2:
        return found
    lesson = fetch(lesson_id)
    if lesson is None:
        return None
    access.remember_team(lesson.module.course)
    entry = (lesson, resource_rows(lesson.pk))
    cache.set(key, entry, LESSON_CACHE_SECONDS)
    return entry


def resource_rows(lesson_id: int) -> list[dict[str, Any]]:
    rows = []
    for values in Resource.objects.filter(lesson_id=lesson_id).values_list(*RESOURCE_FIELDS):
        row = dict(zip(RESOURCE_FIELDS, values, strict=True))
        row["url"] = answers.resource_url(row["id"], row["url"])
        rows.append(row)
    return rows


def forget_lessons(lesson_ids: Iterable[int]) -> None:
    keys = [_key(lesson_id) for lesson_id in lesson_ids]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_lessons_of(**where: Any) -> None:
    """Forgets the lessons matching `where` (e.g. `module__course_id=3`, `video_id=7`)."""
    forget_lessons(Lesson.objects.filter(**where).values_list("pk", flat=True))


# --- signal receivers (CatalogConfig.ready) --------------------------------------------------
def lesson_saved(sender: Any, instance: Lesson, **kwargs: Any) -> None:
    forget_lessons([instance.pk])


def resource_saved(sender: Any, instance: Resource, **kwargs: Any) -> None:
    forget_lessons([instance.lesson_id])


def module_saved(sender: Any, instance: Module, **kwargs: Any) -> None:
    forget_lessons_of(module_id=instance.pk)


def course_saved(sender: Any, instance: Course, **kwargs: Any) -> None:
    forget_lessons_of(module__course_id=instance.pk)


def video_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_lessons_of(video_id=instance.pk)


def team_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A co-instructor added or removed: the course's lessons carry its team."""
    forget_lessons_of(module__course_id=instance.course_id)
