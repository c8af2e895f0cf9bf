"""The certificate as a PDF: drawing it, and keeping the drawn file."""

import logging

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from fpdf import FPDF

from agora.core.pdf import FONT, new_document, to_bytes
from agora.learning.certificates.queries import long_date, verification_url
from agora.learning.models import Certificate, certificate_upload_to

logger = logging.getLogger(__name__)


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
        ("Date issued", long_date(certificate.issued_at)),
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
