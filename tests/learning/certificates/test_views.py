"""Certificate pages: the public verification page, the learner's list and the download."""

import re

import pytest
from django.urls import reverse

from agora.catalog.models import CourseStatus
from agora.learning import services
from tests.accounts.factories import UserFactory
from tests.catalog.factories import CoInstructorFactory, InstructorFactory, course_with_curriculum
from tests.conftest import client_for
from tests.learning.factories import certificate_for, complete_course

pytestmark = pytest.mark.django_db


def verify_url(certificate) -> str:
    return reverse("certificate_verify", args=[certificate.code])


def download_url(certificate) -> str:
    return reverse("certificate_download", args=[certificate.code])


def assert_no_inline_code(html: str) -> None:
    """The CSP has no unsafe-inline: every script is a file, no style attribute."""
    assert " style=" not in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag


class TestVerificationPage:
    def test_shows_who_completed_what_taught_by_whom_and_when(self):
        owner = InstructorFactory(name="Olivia Owner")
        course = course_with_curriculum(modules=1, lessons=1, owner=owner, title="Knots & Ropes")
        CoInstructorFactory(course=course, user=InstructorFactory(name="Carl Co"))
        certificate = complete_course(UserFactory(name="Vera Verified"), course, run_jobs=False)

        response = client_for().get(verify_url(certificate))

        assert response.status_code == 200
        page = response.text
        assert "Vera Verified" in page
        assert (
            f'href="{reverse("course_detail", args=[course.slug])}">Knots &amp; Ropes</a>' in page
        )
        assert "Olivia Owner, Carl Co" in page
        issued = certificate.issued_at
        assert f"{issued.day} {issued:%B %Y}" in page
        assert certificate.code in page
        assert 'class="badge badge-success">Valid<' in page
        assert '<meta name="robots" content="noindex">' in page
        assert download_url(certificate) not in page  # only for the owner
        assert_no_inline_code(page)

    def test_the_owner_and_admins_see_the_download_button(self, learner, staff):
        certificate = certificate_for(learner, run_jobs=False)

        for viewer in (learner, staff):
            page = client_for(viewer).get(verify_url(certificate)).text
            assert f'href="{download_url(certificate)}"' in page

        other = client_for(UserFactory()).get(verify_url(certificate)).text
        assert download_url(certificate) not in other

    def test_a_lower_case_code_is_found(self):
        certificate = certificate_for(run_jobs=False)

        response = client_for().get(f"/certificates/{certificate.code.lower()}/")

        assert response.status_code == 200
        assert certificate.code in response.text

    def test_a_course_no_longer_on_sale_is_named_without_a_link(self):
        certificate = certificate_for(run_jobs=False, title="Archived course")
        course = certificate.enrollment.course
        course.status = CourseStatus.ARCHIVED
        course.save()

        response = client_for().get(verify_url(certificate))

        assert response.status_code == 200
        assert "Archived course" in response.text
        assert reverse("course_detail", args=[course.slug]) not in response.text

    def test_revoked_says_so_with_404_and_without_the_name(self, learner):
        certificate = certificate_for(learner, run_jobs=False)
        services.revoke_enrollment(learner=learner, course=certificate.enrollment.course)

        response = client_for().get(verify_url(certificate))

        assert response.status_code == 404
        page = response.text
        assert f"Certificate <strong>{certificate.code}</strong> was revoked on" in page
        assert "is no longer valid" in page
        assert "badge-danger" in page
        assert "badge-success" not in page
        assert learner.name not in page
        assert download_url(certificate) not in page

    def test_unknown_code_is_the_404_page(self):
        response = client_for().get("/certificates/AGR-2222-3333-4444-5555/")

        assert response.status_code == 404
        assert "Page not found" in response.text

    def test_names_are_escaped(self):
        certificate = certificate_for(UserFactory(name="<b>Bold</b> & Co"), run_jobs=False)

        page = client_for().get(verify_url(certificate)).text

        assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page
        assert "<b>Bold</b>" not in page


class TestMyCertificatesPage:
    def test_lists_my_valid_certificates_with_download_links(self, learner):
        kept = certificate_for(learner, run_jobs=False, title="Kept course")
        gone = certificate_for(learner, run_jobs=False, title="Refunded course")
        others = certificate_for(run_jobs=False, title="Somebody else's")
        services.revoke_enrollment(learner=learner, course=gone.enrollment.course)

        response = client_for(learner).get(reverse("my_certificates"))

        assert response.status_code == 200
        assert "private" in response["Cache-Control"]
        page = response.text
        assert "Kept course" in page
        assert f'href="{download_url(kept)}"' in page
        assert f'href="{verify_url(kept)}"' in page
        assert "Refunded course" not in page
        assert others.code not in page
        assert_no_inline_code(page)

    def test_none_yet_shows_the_way_to_earn_one(self, learner):
        response = client_for(learner).get(reverse("my_certificates"))

        assert response.status_code == 200
        assert "You have no certificates yet" in response.text
        assert f'href="{reverse("search")}"' in response.text

    def test_anonymous_is_sent_to_sign_in(self):
        response = client_for().get(reverse("my_certificates"))

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next=/me/certificates/"


class TestDownload:
    def test_the_owner_downloads_the_pdf(self, learner):
        certificate = certificate_for(learner)

        response = client_for(learner).get(download_url(certificate))

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="certificate-{certificate.code}.pdf"'
        )
        assert response["Cache-Control"] == "private, no-store"
        assert response.content == certificate.pdf.read()

    def test_an_admin_downloads_anyones(self, staff):
        certificate = certificate_for(run_jobs=False)

        response = client_for(staff).get(download_url(certificate))

        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")

    def test_anyone_else_gets_404(self):
        certificate = certificate_for(run_jobs=False)

        for viewer in (UserFactory(), certificate.enrollment.course.owner):
            assert client_for(viewer).get(download_url(certificate)).status_code == 404

    def test_anonymous_is_sent_to_sign_in(self):
        certificate = certificate_for(run_jobs=False)

        response = client_for().get(download_url(certificate))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_revoked_is_410_gone(self, learner):
        certificate = certificate_for(learner, run_jobs=False)
        services.revoke_enrollment(learner=learner, course=certificate.enrollment.course)

        response = client_for(learner).get(download_url(certificate))

        assert response.status_code == 410
        assert "revoked" in response.text

    def test_unknown_code_is_404(self, learner):
        response = client_for(learner).get("/certificates/AGR-2222-3333-4444-5555/download/")

        assert response.status_code == 404
