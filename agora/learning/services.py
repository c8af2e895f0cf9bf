"""Enrollments: who has access to which course. (The learning issue extends this.)"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog import services as catalog_services
from agora.catalog.models import Course
from agora.learning.models import Enrollment, EnrollmentSource


def grant_enrollment(*, learner: User, course: Course, source: str) -> Enrollment:
    """Gives the learner access to the course exactly once; a revoked enrollment comes back.
    Safe to call twice or concurrently."""
    if source not in EnrollmentSource.values:
        raise ValueError(f"unknown enrollment source {source!r}")
    with transaction.atomic():
        existing = Enrollment.objects.select_for_update().filter(learner=learner, course=course)
        enrollment = existing.first()
        if enrollment is not None:
            if enrollment.revoked_at is not None:
                existing.update(revoked_at=None, source=source)
                enrollment.refresh_from_db()
                Course.objects.filter(pk=course.pk).update(
                    enrollments_count=F("enrollments_count") + 1
                )
            return enrollment
        try:
            with transaction.atomic():
                enrollment = Enrollment.objects.create(
                    learner=learner, course=course, source=source
                )
        except IntegrityError:  # a concurrent call enrolled first
            return Enrollment.objects.get(learner=learner, course=course)
        catalog_services.record_enrollment(course=course)
    return enrollment


def revoke_enrollment(*, learner: User, course: Course) -> bool:
    """Ends the learner's access (a refund); the row stays for history. Returns whether an
    active enrollment was revoked."""
    with transaction.atomic():
        revoked = Enrollment.objects.filter(
            learner=learner, course=course, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if revoked:
            Course.objects.filter(pk=course.pk, enrollments_count__gt=0).update(
                enrollments_count=F("enrollments_count") - 1
            )
            catalog_services.course_changed(course)
    return bool(revoked)
