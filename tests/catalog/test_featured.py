"""The home page's Featured row: admins choose it from the API or the review page."""

import pytest

from agora.catalog.models import Course
from tests.catalog.factories import CourseFactory, DraftCourseFactory
from tests.conftest import ApiClient, client_for


def error(response) -> dict:
    return response.json()["error"]


def home_featured(client) -> str:
    html = client.get("/").content.decode()
    start = html.find('id="row-featured"')
    return html[start : html.find("</section>", start)] if start >= 0 else ""


@pytest.mark.django_db
class TestFeatureApi:
    def test_feature_and_unfeature(self, staff_api: ApiClient, django_capture_on_commit_callbacks):
        course = CourseFactory(title="Bonsai for beginners")
        assert "Bonsai for beginners" not in home_featured(client_for())  # now cached

        with django_capture_on_commit_callbacks(execute=True):
            on = staff_api.post(f"/admin/courses/{course.pk}/feature", {"featured": True})

        assert on.status_code == 200, on.content
        assert on.json()["is_featured"] is True
        assert "Bonsai for beginners" in home_featured(client_for())
        with django_capture_on_commit_callbacks(execute=True):
            off = staff_api.post(f"/admin/courses/{course.pk}/feature", {"featured": False})
        assert off.json()["is_featured"] is False
        assert "Bonsai for beginners" not in home_featured(client_for())

    def test_featuring_twice_changes_nothing(self, staff_api: ApiClient):
        course = CourseFactory(is_featured=True)

        response = staff_api.post(f"/admin/courses/{course.pk}/feature", {"featured": True})

        assert response.status_code == 200
        assert Course.objects.get(pk=course.pk).is_featured

    def test_only_published_courses_are_featured(self, staff_api: ApiClient):
        draft = DraftCourseFactory()

        response = staff_api.post(f"/admin/courses/{draft.pk}/feature", {"featured": True})

        assert response.status_code == 409
        assert error(response)["code"] == "invalid_status"
        assert not Course.objects.get(pk=draft.pk).is_featured

    def test_a_draft_can_still_be_unfeatured(self, staff_api: ApiClient):
        draft = DraftCourseFactory(is_featured=True)

        response = staff_api.post(f"/admin/courses/{draft.pk}/feature", {"featured": False})

        assert response.status_code == 200
        assert not Course.objects.get(pk=draft.pk).is_featured

    def test_admins_only(self, instructor, instructor_api: ApiClient, api: ApiClient):
        course = CourseFactory(owner=instructor)
        path = f"/admin/courses/{course.pk}/feature"

        assert instructor_api.post(path, {"featured": True}).status_code == 403
        assert api.post(path, {"featured": True}).status_code == 401
        assert not Course.objects.get(pk=course.pk).is_featured

    @pytest.mark.parametrize("body", [{}, {"featured": "maybe"}, {"featured": None}])
    def test_bad_input_is_422(self, staff_api: ApiClient, body):
        course = CourseFactory()

        assert staff_api.post(f"/admin/courses/{course.pk}/feature", body).status_code == 422

    def test_unknown_course_is_404(self, staff_api: ApiClient):
        assert (
            staff_api.post("/admin/courses/999999/feature", {"featured": True}).status_code == 404
        )


@pytest.mark.django_db
class TestFeatureOnTheReviewPage:
    def test_the_published_tab_offers_the_toggle(self, staff):
        course = CourseFactory(title="Sourdough baking")

        html = client_for(staff).get("/review/?tab=published").content.decode()

        assert f'action="/review/courses/{course.pk}/feature/"' in html
        assert "Feature on the home page" in html

    def test_feature_then_stop(self, staff):
        course = CourseFactory(title="Sourdough baking")
        browser = client_for(staff)

        response = browser.post(
            f"/review/courses/{course.pk}/feature/", {"featured": "1", "tab": "published"}
        )

        assert response.status_code == 302
        assert response["Location"] == "/review/?tab=published"
        assert Course.objects.get(pk=course.pk).is_featured
        page = browser.get("/review/?tab=published").content.decode()
        assert "is featured on the home page" in page
        assert "Stop featuring" in page
        browser.post(f"/review/courses/{course.pk}/feature/", {"featured": "0"})
        assert not Course.objects.get(pk=course.pk).is_featured

    def test_a_draft_is_refused_with_a_message(self, staff):
        draft = DraftCourseFactory()
        browser = client_for(staff)

        browser.post(f"/review/courses/{draft.pk}/feature/", {"featured": "1"})

        assert not Course.objects.get(pk=draft.pk).is_featured
        assert "Only a published course can be featured" in browser.get("/review/").content.decode()

    def test_others_cannot(self, instructor):
        course = CourseFactory()

        response = client_for(instructor).post(
            f"/review/courses/{course.pk}/feature/", {"featured": "1"}
        )

        assert response.status_code == 403
        assert client_for().post(f"/review/courses/{course.pk}/feature/").status_code == 302
        assert not Course.objects.get(pk=course.pk).is_featured
