"""Writes of certificates: issuing, revoking and reinstating them, and the delivery job's
work. The package's docstring tells how each happens exactly once."""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agora.accounts.types import Viewer
from agora.catalog.queries import course_instructors
from agora.core import jobs
from agora.core.errors import PermissionDenied
from agora.core.mail import queue_templated_email
from agora.learning.certificates.pdf import certificate_pdf
from agora.learning.certificates.queries import (
    download_url,
    long_date,
    verification_url,
    with_course,
)
from agora.learning.models import Certificate, Enrollment
from agora.learning.permissions import can_revoke_certificates
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify

logger = logging.getLogger(__name__)


def _learner_name(enrollment: Enrollment) -> str:
    """The name printed on the certificate. Without a name on the account we print the
    part of the email before the @, never the whole address: the verification page is
    public."""
    learner = enrollment.learner
    name = " ".join((learner.name or "").split())
    return (name or learner.email.split("@", 1)[0])[:200]


def _instructor_names(enrollment: Enrollment) -> str:
    course = enrollment.course
    names = [" ".join(person.name.split()) for person in course_instructors(course)]
    names = [name for name in names if name]
    return (", ".join(names) or course.instructor_names or "")[:500]


def issue_certificate(enrollment: Enrollment) -> Certificate:
    """The enrollment's certificate, created if it has none; a new one gets its PDF and
    email from a job once the caller's transaction commits. The caller holds the
    enrollment's row lock."""
    from agora.learning.certificates.tasks import deliver_certificate

    existing = Certificate.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():  # a savepoint: a lost race must not break the caller
            certificate = Certificate.objects.create(
                enrollment=enrollment,
                issued_at=enrollment.completed_at or timezone.now(),
                learner_name=_learner_name(enrollment),
                course_title=enrollment.course.title[:200],
                instructor_names=_instructor_names(enrollment),
            )
    except IntegrityError:
        # Only reachable if a caller forgot the lock: the other issuer's job delivers it.
        return Certificate.objects.get(enrollment=enrollment)
    jobs.enqueue(deliver_certificate, certificate_id=certificate.pk)
    notify(  # the certificate's own email carries the PDF: in the app only
        enrollment.learner,
        NotificationKind.CERTIFICATE_ISSUED,
        title=f"Your certificate for “{certificate.course_title}” is ready",
        body="Congratulations on finishing the course.",
        url=reverse("certificate_verify", kwargs={"code": certificate.code}),
        email=False,
    )
    logger.info("certificate %s issued for enrollment %s", certificate.code, enrollment.pk)
    return certificate


def revoke_certificate(enrollment: Enrollment) -> None:
    Certificate.objects.filter(enrollment=enrollment, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def revoke_certificates(*, actor: Viewer, certificate_ids: list[int]) -> int:
    """An admin withdraws certificates (fraud, a mistake) without ending course access.
    Returns how many were valid and are now revoked; refused (nothing changes) for anyone
    not allowed to change certificates."""
    if not can_revoke_certificates(actor):
        raise PermissionDenied("Only admins can revoke certificates.")
    with transaction.atomic():
        # Under the lock, only those still valid count: another admin may have just
        # revoked some.
        valid = list(
            Certificate.objects.select_for_update()
            .filter(pk__in=certificate_ids, revoked_at__isnull=True)
            .values_list("pk", flat=True)
        )
        revoked = Certificate.objects.filter(pk__in=valid).update(revoked_at=timezone.now())
    logger.info("certificates %s revoked by %s", valid, actor.pk)
    return revoked


def reinstate_certificate(enrollment: Enrollment) -> bool:
    """Makes a revoked certificate valid again, for an enrollment that comes back (the
    learner buys the course again) and was completed before. The code stays the same.
    Returns whether a certificate was reinstated. The caller holds the enrollment's row
    lock."""
    from agora.learning.certificates.tasks import deliver_certificate

    if enrollment.completed_at is None or enrollment.revoked_at is not None:
        return False
    revoked = Certificate.objects.filter(enrollment=enrollment, revoked_at__isnull=False)
    certificate = revoked.first()
    if certificate is None or not revoked.update(revoked_at=None):
        return False
    if certificate.emailed_at is None:
        # Revoked before its job ran: the job skipped it, so it is delivered now.
        jobs.enqueue(deliver_certificate, certificate_id=certificate.pk)
    return True


# --- delivery --------------------------------------------------------------------------------
def deliver_certificate(*, certificate_id: int) -> str:
    """The job after issuing: stores the PDF and emails the learner, each exactly once.
    Returns what it did (for logs and tests)."""
    certificate = with_course().filter(pk=certificate_id).first()
    if certificate is None:
        return "missing"
    if certificate.revoked_at is not None:
        return "revoked"
    if not certificate.pdf:
        certificate_pdf(certificate)
    learner = certificate.enrollment.learner
    with transaction.atomic():
        claimed = Certificate.objects.filter(
            pk=certificate.pk, emailed_at__isnull=True, revoked_at__isnull=True
        ).update(emailed_at=timezone.now())
        if not claimed:
            return "already_emailed"
        # Queued on commit of this claim: the claim and the email stand or fall together.
        queue_templated_email(
            to=learner.email,
            template="learning/email/certificate",
            context={
                "learner": learner,
                "certificate": certificate,
                "issued_on": long_date(certificate.issued_at),
                "verification_url": verification_url(certificate.code),
                "download_url": download_url(certificate.code),
                "list_url": settings.SITE_URL + reverse("my_certificates"),
            },
        )
    return "emailed"
