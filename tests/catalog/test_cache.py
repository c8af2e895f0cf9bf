"""Public catalog answers are cached with ETags and dropped as soon as a course changes."""

import pytest

from agora.catalog import cache_keys, services
from agora.catalog.models import Course, CourseStatus
from tests.catalog.factories import (
    CourseFactory,
    DraftCourseFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
    enroll,
)
from tests.conftest import ApiClient

PUBLIC_PATHS = ["/courses", "/courses?q=course&sort=newest", "/categories", "/courses/facets"]


def titles(api: ApiClient) -> list[str]:
    return [item["title"] for item in api.get("/courses").json()["items"]]


@pytest.mark.django_db
class TestHeaders:
    @pytest.mark.parametrize("path", PUBLIC_PATHS)
    def test_anonymous_lists_are_public_with_an_etag(self, api: ApiClient, path):
        CourseFactory()

        response = api.get(path)

        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=60"
        assert response["ETag"].startswith('"')
        assert "Authorization" in response["Vary"]

    def test_published_detail_is_public_with_an_etag(self, api: ApiClient):
        course = CourseFactory()

        for key in (course.pk, course.slug):
            response = api.get(f"/courses/{key}")
            assert response["Cache-Control"] == "public, max-age=60"
            assert response["ETag"]

    @pytest.mark.parametrize("path", ["/courses", "/categories", "detail"])
    def test_if_none_match_is_304(self, api: ApiClient, path):
        course = CourseFactory()
        path = f"/courses/{course.pk}" if path == "detail" else path
        etag = api.get(path)["ETag"]

        response = api.get(path, headers={"If-None-Match": etag})

        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == etag

    def test_weak_and_listed_etags_match_too(self, api: ApiClient):
        CourseFactory()
        etag = api.get("/courses")["ETag"]

        assert api.get("/courses", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
        assert api.get("/courses", headers={"If-None-Match": f'"old", {etag}'}).status_code == 304
        assert api.get("/courses", headers={"If-None-Match": "*"}).status_code == 304

    def test_stale_etag_gets_the_body(self, api: ApiClient):
        CourseFactory()

        response = api.get("/courses", headers={"If-None-Match": '"stale"'})

        assert response.status_code == 200
        assert response.json()["count"] == 1

    @pytest.mark.parametrize("path", ["/courses", "/categories", "detail"])
    def test_authenticated_answers_are_no_store(self, learner_api: ApiClient, path):
        course = CourseFactory()
        path = f"/courses/{course.pk}" if path == "detail" else path

        response = learner_api.get(path)

        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"

    def test_different_queries_are_cached_apart(self, api: ApiClient):
        free = CourseFactory(price=0)
        paid = CourseFactory(price=100)

        assert [i["id"] for i in api.get("/courses?price=free").json()["items"]] == [free.pk]
        assert [i["id"] for i in api.get("/courses?price=paid").json()["items"]] == [paid.pk]


@pytest.mark.django_db
class TestInvalidation:
    def test_patch_shows_at_once(
        self,
        instructor,
        instructor_api: ApiClient,
        api: ApiClient,
        django_capture_on_commit_callbacks,
    ):
        course = CourseFactory(owner=instructor, title="Before")
        old_etag = api.get(f"/courses/{course.pk}")["ETag"]
        assert titles(api) == ["Before"]

        with django_capture_on_commit_callbacks(execute=True):
            instructor_api.patch(f"/courses/{course.pk}", {"title": "After"})

        assert titles(api) == ["After"]
        detail = api.get(f"/courses/{course.pk}", headers={"If-None-Match": old_etag})
        assert detail.status_code == 200
        assert detail.json()["title"] == "After"

    def test_approval_shows_at_once(
        self, staff_api: ApiClient, api: ApiClient, django_capture_on_commit_callbacks
    ):
        CourseFactory(title="Already there")
        course = DraftCourseFactory(title="Just approved", status=CourseStatus.IN_REVIEW)
        assert titles(api) == ["Already there"]

        with django_capture_on_commit_callbacks(execute=True):
            staff_api.post(f"/admin/courses/{course.pk}/approve")

        assert sorted(titles(api)) == ["Already there", "Just approved"]
        assert api.get(f"/courses/{course.pk}").status_code == 200

    def test_unpublish_and_delete_show_at_once(
        self, staff_api: ApiClient, api: ApiClient, django_capture_on_commit_callbacks
    ):
        hidden, deleted = CourseFactory(title="Hidden"), CourseFactory(title="Deleted")
        api.get(f"/courses/{hidden.pk}")
        api.get(f"/courses/{deleted.pk}")
        assert sorted(titles(api)) == ["Deleted", "Hidden"]

        with django_capture_on_commit_callbacks(execute=True):
            staff_api.post(f"/admin/courses/{hidden.pk}/unpublish", {})
            staff_api.delete(f"/courses/{deleted.pk}")

        assert titles(api) == []
        assert api.get(f"/courses/{hidden.pk}").status_code == 404
        assert api.get(f"/courses/{deleted.pk}").status_code == 404

    def test_new_lesson_shows_in_the_curriculum(
        self, instructor, instructor_api, api, django_capture_on_commit_callbacks
    ):
        course = CourseFactory(owner=instructor)
        module = ModuleFactory(course=course)
        assert api.get(f"/courses/{course.pk}").json()["modules"][0]["lessons"] == []

        with django_capture_on_commit_callbacks(execute=True):
            instructor_api.post(f"/modules/{module.pk}/lessons", {"title": "New", "type": "text"})

        lessons = api.get(f"/courses/{course.pk}").json()["modules"][0]["lessons"]
        assert [lesson["title"] for lesson in lessons] == ["New"]

    def test_curriculum_edits_show_at_once(
        self, instructor, instructor_api, api, django_capture_on_commit_callbacks
    ):
        course = CourseFactory(owner=instructor)
        a, b = ModuleFactory(course=course, title="A"), ModuleFactory(course=course, title="B")
        lesson = LessonFactory(module=a, title="Old lesson")
        api.get(f"/courses/{course.pk}")

        with django_capture_on_commit_callbacks(execute=True):
            instructor_api.put(f"/courses/{course.pk}/modules/order", {"module_ids": [b.pk, a.pk]})
            instructor_api.patch(f"/modules/{b.pk}", {"title": "B2"})
            instructor_api.patch(f"/lessons/{lesson.pk}", {"title": "New lesson"})

        modules = api.get(f"/courses/{course.pk}").json()["modules"]
        assert [m["title"] for m in modules] == ["B2", "A"]
        assert modules[1]["lessons"][0]["title"] == "New lesson"

        with django_capture_on_commit_callbacks(execute=True):
            instructor_api.delete(f"/lessons/{lesson.pk}")
            instructor_api.delete(f"/modules/{b.pk}")

        modules = api.get(f"/courses/{course.pk}").json()["modules"]
        assert [(m["title"], m["lessons"]) for m in modules] == [("A", [])]

    def test_new_co_instructor_shows_at_once(
        self, instructor, instructor_api, api, django_capture_on_commit_callbacks
    ):
        course = CourseFactory(owner=instructor)
        helper = InstructorFactory(name="Helen Helper")
        api.get(f"/courses/{course.pk}")

        with django_capture_on_commit_callbacks(execute=True):
            instructor_api.put(
                f"/courses/{course.pk}/instructors",
                {"co_instructors": [{"user_id": helper.pk, "revenue_share_percent": 10}]},
            )

        names = [p["name"] for p in api.get(f"/courses/{course.pk}").json()["instructors"]]
        assert names == ["Olivia Owner", "Helen Helper"]

    def test_enrollment_count_shows_at_once(
        self, learner, api: ApiClient, django_capture_on_commit_callbacks
    ):
        course = CourseFactory()
        assert api.get(f"/courses/{course.pk}").json()["enrollments_count"] == 0
        assert api.get("/courses").json()["items"][0]["enrollments_count"] == 0

        with django_capture_on_commit_callbacks(execute=True):
            enroll(learner, course)

        assert api.get(f"/courses/{course.pk}").json()["enrollments_count"] == 1
        assert api.get("/courses").json()["items"][0]["enrollments_count"] == 1

    def test_nothing_is_dropped_before_the_change_commits(self, instructor, api: ApiClient):
        course = CourseFactory(owner=instructor, title="Before")
        assert titles(api) == ["Before"]

        services.update_course(user=instructor, course=course, changes={"title": "After"})

        # The transaction has not committed yet (on_commit callbacks not run).
        assert titles(api) == ["Before"]

    def test_trending_recompute_refreshes_the_trending_sort(self, api: ApiClient):
        a, b = CourseFactory(), CourseFactory()
        assert [i["id"] for i in api.get("/courses?sort=trending").json()["items"]] == [b.pk, a.pk]
        services.record_view(course=a, visitor="v1")

        services.recompute_trending()

        assert [i["id"] for i in api.get("/courses?sort=trending").json()["items"]] == [a.pk, b.pk]


@pytest.mark.django_db
class TestCachedDetail:
    def test_a_cached_course_answers_without_a_query_by_id_or_slug(
        self, api: ApiClient, django_assert_num_queries
    ):
        course = CourseFactory()
        first = api.get(f"/courses/{course.slug}")

        with django_assert_num_queries(0):
            by_id = api.get(f"/courses/{course.pk}")
            by_slug = api.get(f"/courses/{course.slug}")

        assert by_id.content == by_slug.content == first.content
        assert by_id["ETag"] == first["ETag"]

    def test_a_drafts_answer_is_never_cached(self, instructor, instructor_api: ApiClient):
        draft = DraftCourseFactory(owner=instructor)
        assert instructor_api.get(f"/courses/{draft.pk}").status_code == 200

        assert ApiClient().get(f"/courses/{draft.pk}").status_code == 404
        assert ApiClient().get(f"/courses/{draft.slug}").status_code == 404

    def test_a_courses_old_slug_stops_answering_once_it_changes(self, api: ApiClient):
        # Slugs are fixed by the API; an admin may still change one in the Django admin.
        course = CourseFactory(slug="old-name")
        assert api.get("/courses/old-name").status_code == 200

        Course.objects.filter(pk=course.pk).update(slug="new-name")
        cache_keys.invalidate_course(course.pk)

        assert api.get("/courses/new-name").status_code == 200  # cached again, new slug
        assert api.get("/courses/old-name").status_code == 404
