"""A course's derived figures, written only here: views, enrollments, rating, trending,
and dropping the cached answers about a course when it changes."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from agora.catalog import cache_keys, view_counts
from agora.catalog.models import (
    Course,
    CourseDailyStat,
    Lesson,
)


def course_changed(course: Course) -> None:
    """Drops the cached public answers about the course once the change commits."""
    course_id = course.pk
    transaction.on_commit(lambda: cache_keys.invalidate_course(course_id))


# --- statistics ------------------------------------------------------------------------------
VIEW_MARK_SECONDS = 60 * 60 * 26  # a visitor's day, wherever they are


def view_mark(*, course_id: int, visitor: str, today: date | None = None) -> str:
    """The cache key that says the visitor has viewed the course today."""
    today = today or timezone.localdate()
    digest = hashlib.sha256(f"{course_id}:{visitor}:{today}".encode()).hexdigest()[:32]
    return f"course-view:{digest}"


def record_view(
    *,
    course: Course | int,
    visitor: str,
    today: date | None = None,
    marked: bool | None = None,
    counted: bool = False,
) -> bool:
    """Counts a view once per visitor per day (buffered in Redis where there is one, see
    view_counts). Returns whether this one counted. `marked`: whether the caller already
    set the visitor's `view_mark` (True), found it set (False), or did not try (None).
    `counted`: the caller's mark counted the view too (view_counts.counted_with_cache)."""
    if counted:
        return True
    course_id = course if isinstance(course, int) else course.pk
    today = today or timezone.localdate()
    if marked is None:
        mark = view_mark(course_id=course_id, visitor=visitor, today=today)
        marked = cache.add(mark, 1, timeout=VIEW_MARK_SECONDS)
    if not marked:
        return False
    view_counts.add_view(course_id, today)
    return True


def adjust_enrollments(*, course: Course, by: int, today: date | None = None) -> None:
    """The course gained (`by` > 0) or lost (`by` < 0) active learners. Called by whoever
    grants or ends access, in the same transaction. A gain also counts in the day's figures;
    the count never goes below zero."""
    if by > 0:
        Course.objects.filter(pk=course.pk).update(enrollments_count=F("enrollments_count") + by)
        _bump_daily(course.pk, today or timezone.localdate(), enrollments=by)
    elif by < 0:
        Course.objects.filter(pk=course.pk).update(
            enrollments_count=Greatest(F("enrollments_count") + by, 0)
        )
    course_changed(course)


def set_rating_figures(*, course: Course, average: Decimal, count: int) -> None:
    """Stores the course's rating figures, recomputed by the reviews' owner. The caller holds
    the course's row lock (`catalog.locks.lock_course`) in the same transaction."""
    Course.objects.filter(pk=course.pk).update(average_rating=average, ratings_count=count)
    course.average_rating, course.ratings_count = average, count
    course_changed(course)


def _bump_daily(course_id: int, day: date, *, views: int = 0, enrollments: int = 0) -> None:
    updated = CourseDailyStat.objects.filter(course_id=course_id, day=day).update(
        views=F("views") + views, enrollments=F("enrollments") + enrollments
    )
    if not updated:
        try:
            with transaction.atomic():
                CourseDailyStat.objects.create(
                    course_id=course_id, day=day, views=views, enrollments=enrollments
                )
        except IntegrityError:  # another request created today's row first
            CourseDailyStat.objects.filter(course_id=course_id, day=day).update(
                views=F("views") + views, enrollments=F("enrollments") + enrollments
            )


TRENDING_DAYS = 14
ENROLLMENT_WEIGHT = 10.0


def recompute_trending(*, today: date | None = None) -> int:
    """Trending score = views + 10 * enrollments of the last two weeks, newer days weighing
    more (a day loses a tenth of its weight per day of age). Returns the courses scored."""
    today = today or timezone.localdate()
    since = today - timedelta(days=TRENDING_DAYS - 1)
    scores: dict[int, float] = {}
    rows = CourseDailyStat.objects.filter(day__gte=since).values_list(
        "course_id", "day", "views", "enrollments"
    )
    for course_id, day, views, enrollments in rows.iterator(chunk_size=5000):
        weight = max(0.0, 1.0 - 0.1 * (today - day).days)
        scores[course_id] = scores.get(course_id, 0.0) + weight * (
            views + ENROLLMENT_WEIGHT * enrollments
        )
    with transaction.atomic():
        Course.objects.exclude(pk__in=scores).exclude(trending_score=0).update(trending_score=0)
        for course_id, score in scores.items():
            Course.objects.filter(pk=course_id).update(trending_score=round(score, 3))
    cache_keys.invalidate_lists()
    return len(scores)


def total_duration(course: Course) -> int:
    return (
        Lesson.objects.filter(module__course=course).aggregate(total=Sum("duration_seconds"))[
            "total"
        ]
        or 0
    )
