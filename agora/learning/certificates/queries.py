"""Reads of certificates, scoped to who asks, and the addresses a certificate is known by."""

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.core.errors import NotFound
from agora.learning.errors import CertificateNotFound, CertificateRevoked, LearningError
from agora.learning.models import Certificate
from agora.learning.permissions import can_download_certificate


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()[:32]


def verification_url(code: str) -> str:
    """The absolute address of the public verification page (printed as a QR code)."""
    return settings.SITE_URL + reverse("certificate_verify", args=[code])


def download_url(code: str) -> str:
    return settings.SITE_URL + reverse("certificate_download", args=[code])


def long_date(moment: datetime) -> str:
    """A date as the certificate and its messages print it: "3 March 2025"."""
    day = timezone.localtime(moment).date()
    return f"{day.day} {day:%B %Y}"


def with_course() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("enrollment__course", "enrollment__learner")


def certificates_of(*, user: User) -> QuerySet[Certificate]:
    """The user's valid certificates, the newest first."""
    return (
        with_course()
        .filter(enrollment__learner=user, revoked_at__isnull=True)
        .order_by("-issued_at", "-id")
    )


def _owned(user: Viewer, certificate: Certificate | None) -> Certificate:
    """Only the learner and admins may know a certificate by its id or download it; to
    anyone else it does not exist. A revoked one is gone (410)."""
    if certificate is None or not can_download_certificate(user, certificate):
        raise CertificateNotFound("There is no such certificate.")
    if certificate.revoked_at is not None:
        raise CertificateRevoked()
    return certificate


def get_certificate_for_owner(*, user: Viewer, certificate_id: int) -> Certificate:
    return _owned(user, with_course().filter(pk=certificate_id).first())


def get_certificate_for_owner_by_code(*, user: Viewer, code: str) -> Certificate:
    return _owned(user, with_course().filter(code=normalise_code(code)).first())


def verify_certificate(*, code: str) -> Certificate:
    """A valid certificate by its public code. Unknown → 404 certificate_not_found;
    revoked → 404 certificate_revoked (it no longer certifies anything)."""
    certificate = with_course().filter(code=normalise_code(code)).first()
    if certificate is None:
        raise CertificateNotFound()
    if certificate.revoked_at is not None:
        raise NotFound(
            f"Certificate {certificate.code} was revoked on "
            f"{long_date(certificate.revoked_at)} and is no longer valid.",
            code=LearningError.CERTIFICATE_REVOKED,
        )
    return certificate


def find_by_code(*, code: str) -> Certificate | None:
    """Any certificate with this code, revoked or not (the verification page tells which)."""
    return with_course().filter(code=normalise_code(code)).first()
