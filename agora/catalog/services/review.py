"""The review workflow: an instructor submits a course, an admin approves, rejects,
unpublishes or features it. Each action authorises its actor and decides on the locked row."""

import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.audit.services import record
from agora.catalog.errors import CatalogError
from agora.catalog.models import (
    Course,
    CourseStatus,
    Lesson,
)
from agora.catalog.queries import course_instructors
from agora.catalog.services.courses import InvalidTransition, _require_editor
from agora.catalog.services.figures import course_changed
from agora.core.errors import Conflict, InvalidInput
from agora.core.errors import PermissionDenied as Forbidden
from agora.core.mail import queue_templated_email
from agora.core.permissions import is_admin
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify_many

logger = logging.getLogger(__name__)


# --- review workflow -------------------------------------------------------------------------
def _instructor_emails(course: Course) -> list[str]:
    emails = [course.owner.email]
    emails += [ci.user.email for ci in course.co_instructors.select_related("user")]
    return emails


_WORKFLOW_FIELDS = ("status", "published_at", "rejection_reason", "is_featured")


def _lock_workflow(course: Course) -> None:
    """Locks the course's row until the transaction ends and refreshes the caller's copy of
    its workflow fields, so a transition is decided on the state it changes, never on a copy
    another admin or the instructor has changed since. Callers are inside atomic()."""
    locked = Course.objects.select_for_update().only(*_WORKFLOW_FIELDS).get(pk=course.pk)
    for field in _WORKFLOW_FIELDS:
        setattr(course, field, getattr(locked, field))


def _require_admin(user: User, action: str) -> None:
    if not is_admin(user):
        raise Forbidden(f"Only admins can {action}.")


@transaction.atomic
def submit_for_review(*, user: User, course: Course) -> Course:
    _require_editor(user, course)
    _lock_workflow(course)
    if course.status not in {CourseStatus.DRAFT, CourseStatus.REJECTED}:
        raise InvalidTransition(
            f"Only a draft or rejected course can be submitted; this one is {course.status}."
        )
    problems: dict[str, list[str]] = {}
    if not course.description.strip():
        problems["description"] = ["Describe the course before submitting it."]
    if not Lesson.objects.filter(module__course=course).exists():
        problems["modules"] = ["Add at least one lesson before submitting."]
    if problems:
        raise Conflict(
            "The course is not ready for review.",
            code=CatalogError.COURSE_INCOMPLETE,
            fields=problems,
        )
    course.status = CourseStatus.IN_REVIEW
    course.rejection_reason = ""
    course.save(update_fields=["status", "rejection_reason", "updated_at"])
    return course


@transaction.atomic
def approve_course(*, admin: User, course: Course) -> Course:
    _require_admin(admin, "approve courses")
    _lock_workflow(course)
    if course.status != CourseStatus.IN_REVIEW:
        raise InvalidTransition(f"Only a course in review can be approved; it is {course.status}.")
    course.status = CourseStatus.PUBLISHED
    course.published_at = course.published_at or timezone.now()
    course.save(update_fields=["status", "published_at", "updated_at"])
    course_changed(course)
    queue_templated_email(
        to=_instructor_emails(course),
        template="catalog/email/course_approved",
        context={"course": course},
    )
    notify_many(  # the email above says it: in the app only
        course_instructors(course),
        NotificationKind.COURSE_APPROVED,
        title=f"“{course.title}” is live",
        body="It passed review and learners can find it in the catalog now.",
        url=reverse("course_detail", kwargs={"slug": course.slug}),
        email=False,
    )
    record(actor=admin, action="course.approve", target=course, data={"title": course.title})
    logger.info("course %s approved by %s", course.pk, admin.pk)
    return course


@transaction.atomic
def reject_course(*, admin: User, course: Course, reason: str) -> Course:
    _require_admin(admin, "reject courses")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": ["Tell the instructor what to change."]})
    _lock_workflow(course)
    if course.status != CourseStatus.IN_REVIEW:
        raise InvalidTransition(f"Only a course in review can be rejected; it is {course.status}.")
    course.status = CourseStatus.REJECTED
    course.rejection_reason = reason[:5000]
    course.save(update_fields=["status", "rejection_reason", "updated_at"])
    queue_templated_email(
        to=_instructor_emails(course),
        template="catalog/email/course_rejected",
        context={"course": course, "reason": course.rejection_reason},
    )
    notify_many(
        course_instructors(course),
        NotificationKind.COURSE_REJECTED,
        title=f"“{course.title}” needs changes before it can go live",
        body=course.rejection_reason,
        url=reverse("studio_course", kwargs={"course_id": course.pk}),
        email=False,
    )
    record(
        actor=admin,
        action="course.reject",
        target=course,
        data={"title": course.title, "reason": course.rejection_reason},
    )
    logger.info("course %s rejected by %s", course.pk, admin.pk)
    return course


@transaction.atomic
def unpublish_course(*, admin: User, course: Course, reason: str = "") -> Course:
    """Takes a published course out of the catalog (back to draft); learners keep access."""
    _require_admin(admin, "unpublish courses")
    _lock_workflow(course)
    if course.status != CourseStatus.PUBLISHED:
        raise InvalidTransition(
            f"Only a published course can be unpublished; it is {course.status}."
        )
    course.status = CourseStatus.DRAFT
    course.rejection_reason = (reason or "").strip()[:5000]
    course.save(update_fields=["status", "rejection_reason", "updated_at"])
    course_changed(course)
    record(
        actor=admin,
        action="course.unpublish",
        target=course,
        data={"title": course.title, "reason": course.rejection_reason},
    )
    logger.info("course %s unpublished by %s", course.pk, admin.pk)
    return course


@transaction.atomic
def set_featured(*, admin: User, course: Course, featured: bool) -> Course:
    """Shows a published course in the home page's "Featured" row, or takes it out. Only
    published courses can be featured; any course can be unfeatured."""
    _require_admin(admin, "feature courses")
    _lock_workflow(course)
    if featured and course.status != CourseStatus.PUBLISHED:
        raise InvalidTransition(
            f"Only a published course can be featured; this one is {course.status}."
        )
    if course.is_featured != featured:
        course.is_featured = featured
        course.save(update_fields=["is_featured", "updated_at"])
        course_changed(course)
        record(
            actor=admin,
            action="course.feature" if featured else "course.unfeature",
            target=course,
            data={"title": course.title},
        )
        logger.info(
            "course %s %s by %s", course.pk, "featured" if featured else "unfeatured", admin.pk
        )
    return course
