"""The certificate PDF: every fact a verifier needs on one landscape page, a QR code of the
verification address, drawn once and then read from storage."""

import io

import pypdf
import pytest
import segno

from agora.learning.certificates import pdf
from agora.learning.models import Certificate
from tests.accounts.factories import UserFactory
from tests.catalog.factories import CoInstructorFactory, InstructorFactory, course_with_curriculum
from tests.learning.certificates.conftest import SITE
from tests.learning.certificates.pdf_reading import drawn_qr_matrix, pdf_text
from tests.learning.factories import certificate_for, complete_course

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


class TestPdf:
    def test_a_landscape_page_with_every_fact_a_verifier_needs(self):
        owner = InstructorFactory(name="Olivia Owner")
        course = course_with_curriculum(modules=1, lessons=1, owner=owner, title="Ünïcode Жизнь")
        CoInstructorFactory(course=course, user=InstructorFactory(name="Carl Co"))
        certificate = complete_course(UserFactory(name="Zoë Łukasz"), course, run_jobs=False)

        content = pdf.render_certificate(certificate)

        assert content.startswith(b"%PDF")
        page = pypdf.PdfReader(io.BytesIO(content)).pages[0]
        assert page.mediabox.width > page.mediabox.height  # landscape
        text = pdf_text(content)
        issued = certificate.issued_at
        for expected in [
            "AGORA",
            "Certificate of completion",
            "Zoë Łukasz",
            "Ünïcode Жизнь",
            "Taught by Olivia Owner, Carl Co",
            f"{issued.day} {issued:%B %Y}",
            certificate.code,
            f"{SITE}/certificates/{certificate.code}/",
        ]:
            assert expected in text

    def test_chinese_japanese_and_korean_names_print_as_letters(self):
        learner = UserFactory(name="山田 太郎 · 김민준")
        certificate = certificate_for(learner, run_jobs=False, title="日本語の基礎 — Основы")

        content = pdf.render_certificate(certificate)

        text = pdf_text(content)
        assert "山田 太郎 · 김민준" in text
        assert "日本語の基礎 — Основы" in text
        fonts = {
            str(font["/BaseFont"])
            for font in pypdf.PdfReader(io.BytesIO(content))
            .pages[0]["/Resources"]["/Font"]
            .get_object()
            .values()
        }
        # The CJK letters come from the bundled fallback font; the rest stays in DejaVu.
        assert any("WenQuanYi" in font for font in fonts), fonts
        assert any("DejaVu" in font for font in fonts), fonts

    def test_the_qr_code_drawn_is_the_verification_address(self):
        certificate = certificate_for(run_jobs=False)
        url = f"{SITE}/certificates/{certificate.code}/"

        drawn = drawn_qr_matrix(pdf.render_certificate(certificate))

        expected = [list(row) for row in segno.make(url, error="m", micro=False).matrix]
        assert drawn == expected

    def test_a_long_name_and_title_stay_on_one_page(self):
        learner = UserFactory(name="Maximiliana Bartholomea " * 6)
        certificate = certificate_for(learner, run_jobs=False, title="Very long title " * 12)

        content = pdf.render_certificate(certificate)

        assert len(pypdf.PdfReader(io.BytesIO(content)).pages) == 1
        assert certificate.code in pdf_text(content)

    def test_rendered_on_demand_once_then_read_from_storage(self, monkeypatch):
        certificate = certificate_for(run_jobs=False)

        first = pdf.certificate_pdf(certificate)
        stored = Certificate.objects.get(pk=certificate.pk).pdf.name

        def no_second_render(certificate):
            raise AssertionError("rendered twice")

        monkeypatch.setattr(pdf, "render_certificate", no_second_render)
        again = pdf.certificate_pdf(Certificate.objects.get(pk=certificate.pk))
        assert stored.startswith("certificates/")
        assert again == first

    def test_a_lost_file_is_rendered_and_stored_again(self):
        certificate = certificate_for()
        lost = certificate.pdf.name
        certificate.pdf.storage.delete(lost)

        content = pdf.certificate_pdf(certificate)

        certificate.refresh_from_db()
        assert content.startswith(b"%PDF")
        assert certificate.pdf.name != lost
        assert certificate.pdf.storage.exists(certificate.pdf.name)
