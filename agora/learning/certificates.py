"""Certificates of completion: issued once per enrollment, revoked with the purchase.

Issuing happens inside the transaction that completes the course (the enrollment row is
locked), so the one-to-one constraint and the lock together make it exactly once. After that
transaction commits, a job renders the PDF, stores it and emails the learner; the job may
run twice (late acks, retries) and the second run changes nothing: the PDF is stored only
where none is, and `emailed_at` is claimed with a conditional update in the same
transaction that queues the email.

Names and titles are copied at issue time, so the PDF and the public verification page say
what was true on the day the certificate was issued.
"""

import logging
from datetime import datetime
from typing import Any

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from fpdf import FPDF

from agora.catalog.queries import course_instructors
from agora.core import jobs
from agora.core.errors import DomainError, NotFound
from agora.core.mail import queue_templated_email
from agora.core.pdf import FONT, new_document, to_bytes
from agora.learning.models import Certificate, Enrollment, certificate_upload_to

logger = logging.getLogger(__name__)

ERASED_LEARNER_NAME = "Deleted user"


class CertificateNotFound(NotFound):
    code = "certificate_not_found"
    message = "There is no certificate with this code."


class CertificateRevoked(DomainError):
    status_code = 410
    code = "certificate_revoked"
    message = "This certificate was revoked: the course access it certified has ended."


# --- issuing and revoking --------------------------------------------------------------------
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
    from agora.learning.tasks import deliver_certificate

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
    logger.info("certificate %s issued for enrollment %s", certificate.code, enrollment.pk)
    return certificate


def revoke_certificate(enrollment: Enrollment) -> None:
    Certificate.objects.filter(enrollment=enrollment, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def revoke_certificates(*, actor: Any, certificate_ids: list[int]) -> int:
    """An admin withdraws certificates (fraud, a mistake) without ending course access.
    Returns how many were valid and are now revoked."""
    logger.info("certificates %s revoked by %s", certificate_ids, actor.pk)
    return Certificate.objects.filter(pk__in=certificate_ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def reinstate_certificate(enrollment: Enrollment) -> bool:
    """Makes a revoked certificate valid again, for an enrollment that comes back (the
    learner buys the course again) and was completed before. The code stays the same.
    Returns whether a certificate was reinstated. The caller holds the enrollment's row
    lock."""
    from agora.learning.tasks import deliver_certificate

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


# --- reading ---------------------------------------------------------------------------------
def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()[:32]


def verification_url(code: str) -> str:
    """The absolute address of the public verification page (printed as a QR code)."""
    return settings.SITE_URL + reverse("certificate_verify", args=[code])


def download_url(code: str) -> str:
    return settings.SITE_URL + reverse("certificate_download", args=[code])


def _with_course() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("enrollment__course", "enrollment__learner")


def certificates_of(*, user: Any) -> QuerySet[Certificate]:
    """The user's valid certificates, the newest first."""
    return (
        _with_course()
        .filter(enrollment__learner=user, revoked_at__isnull=True)
        .order_by("-issued_at", "-id")
    )


def _owned(user: Any, certificate: Certificate | None) -> Certificate:
    """Only the learner and admins may know a certificate by its id or download it; to
    anyone else it does not exist. A revoked one is gone (410)."""
    may_see = (
        certificate is not None
        and getattr(user, "is_authenticated", False)
        and (certificate.enrollment.learner_id == user.pk or user.is_staff)
    )
    if not may_see or certificate is None:
        raise CertificateNotFound("There is no such certificate.")
    if certificate.revoked_at is not None:
        raise CertificateRevoked()
    return certificate


def get_certificate_for_owner(*, user: Any, certificate_id: int) -> Certificate:
    return _owned(user, _with_course().filter(pk=certificate_id).first())


def get_certificate_for_owner_by_code(*, user: Any, code: str) -> Certificate:
    return _owned(user, _with_course().filter(code=normalise_code(code)).first())


def verify_certificate(*, code: str) -> Certificate:
    """A valid certificate by its public code. Unknown → 404 certificate_not_found;
    revoked → 404 certificate_revoked (it no longer certifies anything)."""
    certificate = _with_course().filter(code=normalise_code(code)).first()
    if certificate is None:
        raise CertificateNotFound()
    if certificate.revoked_at is not None:
        raise NotFound(
            f"Certificate {certificate.code} was revoked on "
            f"{_long_date(certificate.revoked_at)} and is no longer valid.",
            code="certificate_revoked",
        )
    return certificate


def find_by_code(*, code: str) -> Certificate | None:
    """Any certificate with this code, revoked or not (the verification page tells which)."""
    return _with_course().filter(code=normalise_code(code)).first()


# --- the PDF ---------------------------------------------------------------------------------
def _long_date(moment: datetime) -> str:
    day = timezone.localtime(moment).date()
    return f"{day.day} {day:%B %Y}"


def qr_runs(url: str) -> list[tuple[int, int, int]]:
    """The dark modules of the URL's QR code as horizontal runs (row, column, length),
    without the quiet zone: each run is one filled rectangle in the PDF."""
    matrix = segno.make(url, error="m", micro=False).matrix
    runs: list[tuple[int, int, int]] = []
    for row_index, row in enumerate(matrix):
        start: int | None = None
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.append((row_index, start, column - start))
                start = None
    return runs


def qr_size(url: str) -> int:
    """Modules per side of the URL's QR code."""
    return len(segno.make(url, error="m", micro=False).matrix)


def _draw_qr(pdf: FPDF, url: str, *, x: float, y: float, size: float) -> None:
    module = size / qr_size(url)
    pdf.set_fill_color(0, 0, 0)
    for row, column, length in qr_runs(url):
        pdf.rect(x + column * module, y + row * module, length * module, module, style="F")


def _fit_size(
    pdf: FPDF, text: str, *, style: str, size: float, least: float, width: float
) -> float:
    """The largest font size from `size` down to `least` at which `text` fits `width`."""
    while size > least:
        pdf.set_font(FONT, style, size)
        if pdf.get_string_width(text) <= width:
            return size
        size -= 1
    return least


def _centered(pdf: FPDF, text: str, *, style: str, size: float, height: float) -> None:
    pdf.set_font(FONT, style, size)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(pdf.epw, height, text, align="C", new_x="LMARGIN", new_y="NEXT")


def render_certificate(certificate: Certificate) -> bytes:
    """A landscape A4 page: the platform, the learner, the course, its instructors, the
    date, the code and a QR code of the public verification address."""
    pdf = new_document(title=f"Certificate {certificate.code}", orientation="landscape")
    pdf.set_author(settings.SITE_NAME)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(28, 22, 28)
    accent = (30, 64, 175)
    # A double frame.
    pdf.set_draw_color(*accent)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)

    pdf.set_y(24)
    pdf.set_text_color(*accent)
    _centered(pdf, settings.SITE_NAME.upper(), style="B", size=15, height=8)
    pdf.ln(3)
    pdf.set_text_color(20, 20, 20)
    _centered(pdf, "Certificate of completion", style="B", size=32, height=15)
    pdf.ln(6)
    pdf.set_text_color(80, 80, 80)
    _centered(pdf, "This certifies that", style="", size=13, height=7)
    pdf.ln(2)
    pdf.set_text_color(20, 20, 20)
    name = " ".join(certificate.learner_name.split())
    size = _fit_size(pdf, name, style="B", size=28, least=14, width=pdf.epw)
    _centered(pdf, name, style="B", size=size, height=size * 0.5)
    pdf.ln(3)
    pdf.set_text_color(80, 80, 80)
    _centered(pdf, "has completed the course", style="", size=13, height=7)
    pdf.ln(2)
    pdf.set_text_color(*accent)
    title = " ".join(certificate.course_title.split())
    # Long titles shrink to fit two lines.
    size = _fit_size(pdf, title, style="B", size=22, least=12, width=pdf.epw * 1.8)
    _centered(pdf, title, style="B", size=size, height=size * 0.48)
    if certificate.instructor_names:
        pdf.ln(3)
        pdf.set_text_color(80, 80, 80)
        _centered(pdf, f"Taught by {certificate.instructor_names}", style="", size=12, height=6)

    # The footer: the facts a verifier needs on the left, the QR code on the right.
    url = verification_url(certificate.code)
    qr_side = 34.0
    qr_x = pdf.w - 28 - qr_side
    qr_y = pdf.h - 24 - qr_side
    _draw_qr(pdf, url, x=qr_x, y=qr_y, size=qr_side)
    facts = [
        ("Date issued", _long_date(certificate.issued_at)),
        ("Verification code", certificate.code),
        ("Verify at", url),
    ]
    pdf.set_text_color(20, 20, 20)
    pdf.set_y(qr_y + 4)
    text_width = qr_x - 8 - pdf.l_margin
    for label, value in facts:
        pdf.set_x(pdf.l_margin)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(38, 7, label)
        pdf.set_font(FONT, "", 10 if label != "Verify at" else 8)
        pdf.cell(text_width - 38, 7, value, new_x="LMARGIN", new_y="NEXT")
    return to_bytes(pdf)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF: the stored one, or rendered and stored now (the job has not
    run yet, or the file went missing). Two callers at once store one file."""
    if certificate.pdf:
        try:
            with certificate.pdf.open("rb") as stored:
                return stored.read()
        except FileNotFoundError:
            logger.warning("certificate %s lost its PDF: rendering it again", certificate.code)
    content = render_certificate(certificate)
    storage = certificate.pdf.storage
    previous = certificate.pdf.name or ""
    name = storage.save(certificate_upload_to(certificate, "certificate.pdf"), ContentFile(content))
    claimed = Certificate.objects.filter(pk=certificate.pk, pdf=previous).update(pdf=name)
    if claimed:
        certificate.pdf.name = name
    else:  # another caller stored one first: keep theirs
        storage.delete(name)
        certificate.refresh_from_db(fields=["pdf"])
    return content


def deliver_certificate(*, certificate_id: int) -> str:
    """The job after issuing: stores the PDF and emails the learner, each exactly once.
    Returns what it did (for logs and tests)."""
    certificate = _with_course().filter(pk=certificate_id).first()
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
                "issued_on": _long_date(certificate.issued_at),
                "verification_url": verification_url(certificate.code),
                "download_url": download_url(certificate.code),
                "list_url": settings.SITE_URL + reverse("my_certificates"),
            },
        )
    return "emailed"


# --- personal data (registered with accounts in LearningConfig.ready) ------------------------
def export_certificates(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "code": certificate.code,
            "course_id": certificate.enrollment.course_id,
            "course_title": certificate.course_title,
            "learner_name": certificate.learner_name,
            "instructor_names": certificate.instructor_names,
            "issued_at": certificate.issued_at.isoformat(),
            "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
            "verification_url": verification_url(certificate.code),
        }
        for certificate in _with_course()
        .filter(enrollment__learner=user)
        .order_by("issued_at", "id")
    ]


def erase_certificates(user: Any) -> None:
    """An erased account's certificates stop certifying anyone: they are revoked, the name
    goes and the PDFs are deleted once the erasure commits."""
    owned = Certificate.objects.filter(enrollment__learner=user)
    files = [name for name in owned.exclude(pdf="").values_list("pdf", flat=True) if name]
    owned.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    owned.update(learner_name=ERASED_LEARNER_NAME, pdf="")
    if files:
        storage = Certificate._meta.get_field("pdf").storage

        def delete_files() -> None:
            for name in files:
                storage.delete(name)

        transaction.on_commit(delete_files)
