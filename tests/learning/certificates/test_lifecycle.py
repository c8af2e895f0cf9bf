"""Certificates: issued exactly once on completion, rendered and emailed by a job, listed,
downloaded by their owner, verified by anyone, revoked with the purchase."""

import pytest
from django.urls import reverse

from agora.learning.certificates import pdf, personal_data, queries
from agora.learning.certificates.tasks import deliver_certificate
from agora.learning.models import Certificate, Enrollment
from agora.learning.services import complete_lesson, grant_enrollment, revoke_enrollment
from tests.accounts.factories import UserFactory
from tests.catalog.factories import api_for, course_with_curriculum, enroll
from tests.concurrency import run_at_once
from tests.conftest import ApiClient, client_for
from tests.learning.certificates.pdf_reading import pdf_text
from tests.learning.factories import finish, lessons_of


@pytest.fixture
def course(instructor):
    return course_with_curriculum(
        owner=instructor, price=0, modules=1, lessons=2, title="Knots & Splices"
    )


@pytest.fixture
def certificate(learner, course, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    enroll(learner, course)
    return finish(learner, course)


@pytest.mark.django_db
class TestIssuing:
    def test_completion_issues_one_certificate_with_the_facts_of_the_day(
        self, learner, course, instructor
    ):
        enroll(learner, course)
        lessons = lessons_of(course)
        complete_lesson(user=learner, lesson=lessons[0])
        assert not Certificate.objects.exists()

        complete_lesson(user=learner, lesson=lessons[1])
        complete_lesson(user=learner, lesson=lessons[1])

        certificate = Certificate.objects.get()
        assert certificate.learner_name == learner.name
        assert certificate.course_title == "Knots & Splices"
        assert certificate.instructor_names == instructor.name
        assert certificate.issued_at == Enrollment.objects.get().completed_at
        assert certificate.code.startswith("AGR-")

    def test_the_job_stores_the_pdf_and_emails_once(
        self,
        learner,
        course,
        settings,
        tmp_path,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        settings.MEDIA_ROOT = tmp_path
        enroll(learner, course)
        with django_capture_on_commit_callbacks(execute=True):
            certificate = finish(learner, course)

        certificate.refresh_from_db()
        assert certificate.pdf
        assert certificate.emailed_at is not None
        assert len(mailoutbox) == 1
        assert mailoutbox[0].to == [learner.email]
        assert certificate.code in mailoutbox[0].body
        # A second delivery (a retry, a late ack) changes nothing.
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver_certificate(certificate_id=certificate.pk) == "already_emailed"
        assert len(mailoutbox) == 1

    def test_pdf_names_the_learner_course_and_code_and_carries_the_qr(self, certificate):
        content = pdf.certificate_pdf(certificate)

        assert content.startswith(b"%PDF")
        text = pdf_text(content)
        assert certificate.learner_name in text
        assert "Knots & Splices" in text
        assert certificate.code in text
        # The QR code encodes the public verification address.
        url = queries.verification_url(certificate.code)
        assert url.endswith(f"/certificates/{certificate.code}/")
        assert pdf.qr_size(url) >= 21

    def test_concurrent_completions_issue_exactly_one(self, transactional_db, instructor):
        course = course_with_curriculum(owner=instructor, price=0, modules=2, lessons=2)
        learner = UserFactory()
        enroll(learner, course)

        results = run_at_once(
            [
                lambda lesson=lesson: complete_lesson(user=learner, lesson=lesson)
                for lesson in lessons_of(course) * 2
            ]
        )

        assert not [r for r in results if isinstance(r, Exception)]
        assert Certificate.objects.count() == 1
        assert sum(r.course_completed for r in results) >= 1

    def test_refund_revokes_and_buying_again_reinstates(self, certificate, learner, course):
        revoke_enrollment(learner=learner, course=course)
        certificate.refresh_from_db()
        assert certificate.revoked_at is not None

        grant_enrollment(learner=learner, course=course, source="purchase")

        certificate.refresh_from_db()
        assert certificate.revoked_at is None
        assert Certificate.objects.count() == 1


@pytest.mark.django_db
class TestApi:
    def test_my_certificates(self, certificate, learner, course):
        body = api_for(learner).get("/me/certificates").json()

        assert body == [
            {
                "id": certificate.pk,
                "code": certificate.code,
                "issued_at": body[0]["issued_at"],
                "course": {"id": course.pk, "slug": course.slug, "title": course.title},
                "instructor_names": certificate.instructor_names,
                "verification_url": queries.verification_url(certificate.code),
            }
        ]

    def test_my_certificates_leaves_out_others_and_revoked(self, certificate, learner, course):
        assert api_for(UserFactory()).get("/me/certificates").json() == []
        revoke_enrollment(learner=learner, course=course)
        assert api_for(learner).get("/me/certificates").json() == []
        assert ApiClient().get("/me/certificates").status_code == 401

    def test_verify_is_public(self, certificate, learner, course):
        response = ApiClient().get(f"/certificates/verify/{certificate.code}")

        assert response.status_code == 200
        body = response.json()
        assert body["code"] == certificate.code
        assert body["learner_name"] == learner.name
        assert body["course"] == {"id": course.pk, "slug": course.slug, "title": course.title}
        assert body["issued_at"]

    def test_verify_unknown_and_revoked_are_404(self, certificate, learner, course):
        unknown = ApiClient().get("/certificates/verify/AGR-NOPE-NOPE-NOPE-NOPE")
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "certificate_not_found"
        assert ApiClient().get("/certificates/verify/'%20OR%201=1--").status_code == 404

        revoke_enrollment(learner=learner, course=course)
        revoked = ApiClient().get(f"/certificates/verify/{certificate.code}")
        assert revoked.status_code == 404
        assert revoked.json()["error"]["code"] == "certificate_revoked"

    def test_pdf_for_its_owner_and_admins_only(self, certificate, learner, staff):
        url = f"/certificates/{certificate.pk}/pdf"

        mine = api_for(learner).get(url)
        assert mine.status_code == 200
        assert mine["Content-Type"] == "application/pdf"
        assert mine.content.startswith(b"%PDF")
        assert certificate.code in mine["Content-Disposition"]
        assert api_for(staff).get(url).status_code == 200
        assert api_for(UserFactory()).get(url).status_code == 404
        assert ApiClient().get(url).status_code == 401
        assert api_for(learner).get("/certificates/999999/pdf").status_code == 404

    def test_revoked_pdf_is_410(self, certificate, learner, course):
        revoke_enrollment(learner=learner, course=course)

        response = api_for(learner).get(f"/certificates/{certificate.pk}/pdf")

        assert response.status_code == 410
        assert response.json()["error"]["code"] == "certificate_revoked"


@pytest.mark.django_db
class TestPages:
    def test_public_verification_page(self, certificate, learner):
        response = client_for().get(reverse("certificate_verify", args=[certificate.code]))

        assert response.status_code == 200
        page = response.content.decode()
        assert learner.name in page
        assert "Knots &amp; Splices" in page

    def test_revoked_and_unknown_pages_are_404(self, certificate, learner, course):
        assert client_for().get("/certificates/AGR-NOPE/").status_code == 404
        revoke_enrollment(learner=learner, course=course)

        response = client_for().get(reverse("certificate_verify", args=[certificate.code]))

        assert response.status_code == 404
        assert "revoked" in response.content.decode().lower()

    def test_list_and_download(self, certificate, learner):
        page = client_for(learner).get(reverse("my_certificates")).content.decode()
        assert certificate.code in page

        download = client_for(learner).get(reverse("certificate_download", args=[certificate.code]))
        assert download.status_code == 200
        assert download.content.startswith(b"%PDF")
        other = client_for(UserFactory()).get(
            reverse("certificate_download", args=[certificate.code])
        )
        assert other.status_code == 404
        assert client_for().get(reverse("my_certificates")).status_code == 302

    def test_names_are_escaped(self, learner, course, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        learner.name = "<script>alert(1)</script>"
        learner.save()
        enroll(learner, course)
        certificate = finish(learner, course)

        page = client_for().get(reverse("certificate_verify", args=[certificate.code]))

        assert "<script>alert(1)</script>" not in page.content.decode()


@pytest.mark.django_db
def test_export_and_erasure(certificate, learner):
    exported = personal_data.export_certificates(learner)
    assert [item["code"] for item in exported] == [certificate.code]

    personal_data.erase_certificates(learner)

    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    assert certificate.learner_name == personal_data.ERASED_LEARNER_NAME
