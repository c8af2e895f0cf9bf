"""Who may see and edit what in the catalog: the one access check every API, page and file
download uses.

Enrollments live in the learning app, which depends on the catalog, not the other way round;
it registers its checks here when it starts (see LearningConfig.ready).

A course's co-instructors are asked for by every check of a signed-in person who does not own
the course, several times a lesson read: they are remembered in the cache, and every saved or
deleted CourseInstructor row (the studio, the admin, a cascade) forgets them at once
(`forget_co_instructors`, connected to the model's signals in CatalogConfig). A lesson the
player reads carries its course's team with it (`remember_team`, lesson_cache).
"""

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.catalog.errors import CatalogError, EnrollmentRequired
from agora.catalog.models import Course, CourseInstructor, CourseStatus, Lesson
from agora.core.errors import NotFound

AccessGrant = Callable[[Any, Course], bool]
LearnerCheck = Callable[[Course], bool]
_access_grants: list[AccessGrant] = []
_learner_checks: list[LearnerCheck] = []


def register_access_grant(grant: AccessGrant) -> None:
    if grant not in _access_grants:
        _access_grants.append(grant)


def register_learner_check(check: LearnerCheck) -> None:
    if check not in _learner_checks:
        _learner_checks.append(check)


def _is_signed_in(user: Viewer) -> bool:
    return bool(getattr(user, "is_authenticated", False))


CO_INSTRUCTORS_CACHE_SECONDS = 60  # a bound, should a change ever bypass the signals


def _co_instructors_key(course_id: int) -> str:
    return f"catalog:co-instructors:{course_id}"


def co_instructor_ids(course_id: int) -> list[int]:
    key = _co_instructors_key(course_id)
    known = cache.get(key)
    if known is None:
        known = list(
            CourseInstructor.objects.filter(course_id=course_id).values_list("user_id", flat=True)
        )
        cache.set(key, known, CO_INSTRUCTORS_CACHE_SECONDS)
    return known


def forget_co_instructors(sender: Any, instance: CourseInstructor, **kwargs: Any) -> None:
    """Now, and again once the change commits: a check read in between would otherwise
    remember the team as it was."""
    key = _co_instructors_key(instance.course_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


# Where `remember_team` keeps a course's co-instructors on the course itself.
_TEAM = "_agora_co_instructor_ids"


def remember_team(course: Course) -> None:
    """Keeps the course's co-instructors on it, for a course remembered in a cache with its
    lessons (lesson_cache, which forgets them when the team changes): checks of it then ask
    the cache nothing more."""
    setattr(course, _TEAM, co_instructor_ids(course.pk))


def is_course_instructor(user: Viewer, course: Course) -> bool:
    if not isinstance(user, User):
        return False
    if course.owner_id == user.pk:
        return True
    team = getattr(course, _TEAM, None)
    return user.pk in (co_instructor_ids(course.pk) if team is None else team)


def can_edit_course(user: Viewer, course: Course) -> bool:
    return _is_signed_in(user) and (user.is_staff or is_course_instructor(user, course))


def has_learner_access(user: Viewer, course: Course) -> bool:
    """Enrolled (or otherwise granted) access to every lesson of the course."""
    return _is_signed_in(user) and any(grant(user, course) for grant in _access_grants)


def can_view_course(user: Viewer, course: Course) -> bool:
    """Published courses are public; others only to their instructors, admins and the
    learners who kept access (the course was archived, or unpublished back to a draft)."""
    if course.status == CourseStatus.PUBLISHED:
        return True
    if can_edit_course(user, course):
        return True
    return has_learner_access(user, course)


def can_read_lessons(user: Viewer, course: Course) -> bool:
    return can_edit_course(user, course) or has_learner_access(user, course)


def check_lesson_readable(user: Viewer, lesson: Lesson) -> bool:
    """Raises NotFound when the course is not visible to the user, EnrollmentRequired when
    the lesson is listed but locked. Returns whether the user edits the course (and so may
    see its answers): the team and the enrollment are each asked for once."""
    course = lesson.module.course
    if can_edit_course(user, course):
        return True
    enrolled: bool | None = None  # asked for only when needed, then once
    if course.status != CourseStatus.PUBLISHED:
        enrolled = has_learner_access(user, course)
        if not enrolled:
            raise NotFound("There is no such lesson.", code=CatalogError.LESSON_NOT_FOUND)
    if lesson.is_preview:
        return False
    if enrolled is None:
        enrolled = has_learner_access(user, course)
    if enrolled:
        return False
    raise EnrollmentRequired()


def has_learners(course: Course) -> bool:
    return any(check(course) for check in _learner_checks)
