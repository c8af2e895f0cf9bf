"""Certificate endpoints: mine, the PDF, and the public verification."""

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from agora.accounts.auth import current_user, jwt_auth
from agora.core.openapi import file_response
from agora.core.schemas import ErrorOut as E
from agora.learning.certificates import queries
from agora.learning.certificates.downloads import certificate_response
from agora.learning.models import Certificate

router = Router(tags=["certificates"])


class CertificateCourseOut(Schema):
    id: int
    slug: str
    title: str


class CertificateOut(Schema):
    id: int
    code: str
    issued_at: datetime
    course: CertificateCourseOut
    instructor_names: str
    verification_url: str


class CertificateVerificationOut(Schema):
    code: str
    issued_at: datetime
    learner_name: str
    course: CertificateCourseOut
    instructor_names: str
    verification_url: str


def _course(certificate: Certificate) -> dict[str, object]:
    # The title as printed on the certificate, which is what a verifier compares.
    course = certificate.enrollment.course
    return {"id": course.pk, "slug": course.slug, "title": certificate.course_title}


def _out(certificate: Certificate) -> dict[str, object]:
    return {
        "id": certificate.pk,
        "code": certificate.code,
        "issued_at": certificate.issued_at,
        "learner_name": certificate.learner_name,
        "course": _course(certificate),
        "instructor_names": certificate.instructor_names,
        "verification_url": queries.verification_url(certificate.code),
    }


@router.get(
    "/me/certificates",
    auth=jwt_auth,
    response={200: list[CertificateOut], 401: E},
    summary="My certificates of completion (valid ones, the newest first)",
)
def my_certificates(request: HttpRequest) -> list[dict[str, object]]:
    return [_out(c) for c in queries.certificates_of(user=current_user(request))]


@router.get(
    "/certificates/verify/{code}",
    response={200: CertificateVerificationOut, 404: E},
    summary="Check a certificate by its code (public). Unknown → 404 certificate_not_found; "
    "revoked → 404 certificate_revoked",
)
def verify_certificate(request: HttpRequest, code: str) -> dict[str, object]:
    return _out(queries.verify_certificate(code=code))


@router.get(
    "/certificates/{certificate_id}/pdf",
    auth=jwt_auth,
    response={200: None, 401: E, 404: E, 410: E},
    summary="My certificate as a PDF (admins: anyone's). Revoked → 410 certificate_revoked",
    openapi_extra=file_response("application/pdf", "The certificate."),
)
def certificate_pdf(request: HttpRequest, certificate_id: int) -> HttpResponse:
    certificate = queries.get_certificate_for_owner(
        user=current_user(request), certificate_id=certificate_id
    )
    return certificate_response(certificate)
