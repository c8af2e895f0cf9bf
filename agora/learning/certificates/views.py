"""Certificate pages: the public verification page, the learner's list and the download.
The rules (who may download, what revoked means) live in `queries` and
`agora.learning.permissions`; these views only render what they answer."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from agora.accounts.models import User
from agora.learning.certificates import queries
from agora.learning.certificates.downloads import certificate_response
from agora.learning.permissions import can_download_certificate


def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: anyone with the code (or the QR code) sees whether the certificate is valid.
    A revoked certificate says so, with 404: it no longer certifies anything."""
    certificate = queries.find_by_code(code=code)
    if certificate is None:
        raise Http404("There is no certificate with this code.")
    course = certificate.enrollment.course
    context = {
        "certificate": certificate,
        "course": course,
        "course_is_public": course.is_published,
        "is_revoked": certificate.revoked_at is not None,
        "may_download": certificate.revoked_at is None
        and can_download_certificate(request.user, certificate),
        "verification_url": queries.verification_url(certificate.code),
    }
    status = 404 if certificate.revoked_at is not None else 200
    return render(request, "learning/certificate_verify.html", context, status=status)


@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # behind login_required
    items = list(queries.certificates_of(user=user))
    response = render(request, "learning/certificate_list.html", {"certificates": items})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate_download(request: HttpRequest, code: str) -> HttpResponse:
    certificate = queries.get_certificate_for_owner_by_code(user=request.user, code=code)
    return certificate_response(certificate)
