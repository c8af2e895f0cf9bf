"""The certificate endpoints of API.md: mine, the PDF (owner and admins), the public
verification."""

from datetime import timedelta

import pytest
from django.conf import settings

from agora.learning import services
from agora.learning.models import Certificate
from tests.accounts.factories import UserFactory
from tests.catalog.factories import api_for
from tests.conftest import ApiClient
from tests.learning.factories import certificate_for

pytestmark = pytest.mark.django_db


def error(response) -> dict:
    return response.json()["error"]


class TestMyCertificates:
    def test_valid_ones_newest_first_with_the_title_as_issued(self, learner, learner_api):
        older = certificate_for(learner, run_jobs=False, title="First course")
        newer = certificate_for(learner, run_jobs=False, title="Second course")
        revoked = certificate_for(learner, run_jobs=False, title="Refunded course")
        certificate_for(run_jobs=False, title="Somebody else's")
        Certificate.objects.filter(pk=older.pk).update(
            issued_at=older.issued_at - timedelta(days=3)
        )
        services.revoke_enrollment(learner=learner, course=revoked.enrollment.course)
        course = newer.enrollment.course
        course.title = "Renamed later"
        course.save()

        response = learner_api.get("/me/certificates")

        assert response.status_code == 200
        body = response.json()
        assert [item["code"] for item in body] == [newer.code, older.code]
        assert body[0] == {
            "id": newer.pk,
            "code": newer.code,
            "issued_at": body[0]["issued_at"],
            "course": {"id": course.pk, "slug": course.slug, "title": "Second course"},
            "instructor_names": newer.instructor_names,
            "verification_url": f"{settings.SITE_URL}/certificates/{newer.code}/",
        }

    def test_none_yet_is_an_empty_list(self, learner_api):
        response = learner_api.get("/me/certificates")

        assert response.status_code == 200
        assert response.json() == []

    def test_anonymous_is_401(self, api: ApiClient):
        response = api.get("/me/certificates")

        assert response.status_code == 401
        assert error(response)["code"] == "not_authenticated"


class TestPdf:
    def test_the_owner_downloads_it_rendered_on_the_spot_when_the_job_has_not_run(
        self, learner, learner_api
    ):
        certificate = certificate_for(learner, run_jobs=False)
        assert not certificate.pdf

        response = learner_api.get(f"/certificates/{certificate.pk}/pdf")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="certificate-{certificate.code}.pdf"'
        )
        # Personal: no cache keeps it (the API middleware makes authenticated answers no-store).
        assert "no-store" in response["Cache-Control"]
        assert response.content.startswith(b"%PDF")
        certificate.refresh_from_db()
        assert certificate.pdf  # stored for next time
        assert certificate.pdf.read() == response.content

    def test_the_stored_pdf_is_served_when_there_is_one(self, learner, learner_api):
        certificate = certificate_for(learner)
        stored = certificate.pdf.read()

        response = learner_api.get(f"/certificates/{certificate.pk}/pdf")

        assert response.status_code == 200
        assert response.content == stored

    def test_an_admin_downloads_anyones(self, staff_api):
        certificate = certificate_for(run_jobs=False)

        response = staff_api.get(f"/certificates/{certificate.pk}/pdf")

        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")

    @pytest.mark.parametrize("who", ["another learner", "the course's instructor"])
    def test_anyone_else_gets_404(self, who):
        certificate = certificate_for(run_jobs=False)
        caller = UserFactory() if who == "another learner" else certificate.enrollment.course.owner

        response = api_for(caller).get(f"/certificates/{certificate.pk}/pdf")

        assert response.status_code == 404
        assert error(response)["code"] == "certificate_not_found"
        certificate.refresh_from_db()
        assert not certificate.pdf  # nothing rendered for them

    def test_anonymous_is_401(self, api: ApiClient):
        certificate = certificate_for(run_jobs=False)

        assert api.get(f"/certificates/{certificate.pk}/pdf").status_code == 401

    def test_unknown_id_is_404_and_a_bad_one_422(self, learner_api):
        assert learner_api.get("/certificates/987654/pdf").status_code == 404
        assert learner_api.get("/certificates/abc/pdf").status_code == 422

    @pytest.mark.parametrize("caller", ["owner", "admin"])
    def test_revoked_is_410_gone(self, learner, staff, caller):
        certificate = certificate_for(learner, run_jobs=False)
        services.revoke_enrollment(learner=learner, course=certificate.enrollment.course)

        response = api_for(learner if caller == "owner" else staff).get(
            f"/certificates/{certificate.pk}/pdf"
        )

        assert response.status_code == 410
        assert error(response)["code"] == "certificate_revoked"

    def test_a_revoked_certificate_of_someone_else_stays_hidden(self, learner):
        certificate = certificate_for(learner, run_jobs=False)
        services.revoke_enrollment(learner=learner, course=certificate.enrollment.course)

        response = api_for(UserFactory()).get(f"/certificates/{certificate.pk}/pdf")

        assert response.status_code == 404


class TestVerify:
    def test_anyone_verifies_a_valid_code(self, api: ApiClient):
        learner = UserFactory(name="Vera Verified")
        certificate = certificate_for(learner, run_jobs=False, title="Glassblowing")
        course = certificate.enrollment.course

        response = api.get(f"/certificates/verify/{certificate.code}")

        assert response.status_code == 200
        body = response.json()
        assert body == {
            "code": certificate.code,
            "issued_at": body["issued_at"],
            "learner_name": "Vera Verified",
            "course": {"id": course.pk, "slug": course.slug, "title": "Glassblowing"},
            "instructor_names": certificate.instructor_names,
            "verification_url": f"{settings.SITE_URL}/certificates/{certificate.code}/",
        }
        assert body["issued_at"].startswith(certificate.issued_at.date().isoformat())

    def test_a_code_typed_in_lower_case_is_found(self, api: ApiClient):
        certificate = certificate_for(run_jobs=False)

        response = api.get(f"/certificates/verify/{certificate.code.lower()}")

        assert response.status_code == 200
        assert response.json()["code"] == certificate.code

    def test_unknown_code_is_404_certificate_not_found(self, api: ApiClient):
        response = api.get("/certificates/verify/AGR-2222-3333-4444-5555")

        assert response.status_code == 404
        assert error(response) == {
            "code": "certificate_not_found",
            "message": "There is no certificate with this code.",
        }

    def test_revoked_code_is_404_certificate_revoked(self, api: ApiClient, learner):
        certificate = certificate_for(learner, run_jobs=False)
        services.revoke_enrollment(learner=learner, course=certificate.enrollment.course)

        response = api.get(f"/certificates/verify/{certificate.code}")

        assert response.status_code == 404
        assert error(response)["code"] == "certificate_revoked"
        assert f"Certificate {certificate.code} was revoked on" in error(response)["message"]
        assert "no longer valid" in error(response)["message"]
        assert learner.name not in response.content.decode()


def test_the_paths_are_in_the_openapi_schema(api: ApiClient):
    paths = api.get("/openapi.json").json()["paths"]

    assert "get" in paths["/api/v1/me/certificates"]
    assert "get" in paths["/api/v1/certificates/{certificate_id}/pdf"]
    assert "get" in paths["/api/v1/certificates/verify/{code}"]
