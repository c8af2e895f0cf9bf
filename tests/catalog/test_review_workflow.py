"""Draft → in review → published / rejected, unpublishing, and the admin review queue."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agora.catalog import services
from agora.catalog.models import Course, CourseStatus
from agora.core.errors import Conflict, PermissionDenied
from tests.catalog.factories import (
    CoInstructorFactory,
    CourseFactory,
    DraftCourseFactory,
    LessonFactory,
    ModuleFactory,
    api_for,
    enroll,
)
from tests.conftest import ApiClient


def error(response) -> dict:
    return response.json()["error"]


def ready_draft(**fields) -> Course:
    course = DraftCourseFactory(**fields)
    LessonFactory(module=ModuleFactory(course=course))
    return course


def state(course: Course) -> tuple:
    course.refresh_from_db()
    return course.status, course.published_at, course.rejection_reason


@pytest.mark.django_db
class TestSubmit:
    def test_draft_goes_into_review(self, instructor, instructor_api: ApiClient):
        course = ready_draft(owner=instructor)

        response = instructor_api.post(f"/courses/{course.pk}/submit")

        assert response.status_code == 200
        assert response.json()["status"] == "in_review"
        course.refresh_from_db()
        assert course.status == CourseStatus.IN_REVIEW

    def test_co_instructor_may_submit(self, instructor):
        course = ready_draft(owner=instructor)
        co = CoInstructorFactory(course=course)

        assert api_for(co.user).post(f"/courses/{course.pk}/submit").status_code == 200

    def test_rejected_course_can_be_resubmitted(self, instructor, instructor_api: ApiClient):
        course = ready_draft(
            owner=instructor, status=CourseStatus.REJECTED, rejection_reason="Too short"
        )

        response = instructor_api.post(f"/courses/{course.pk}/submit")

        assert response.status_code == 200
        assert response.json()["rejection_reason"] == ""

    def test_course_without_lessons_is_409_incomplete(self, instructor, instructor_api):
        course = DraftCourseFactory(owner=instructor)
        ModuleFactory(course=course)  # a module without lessons is not enough

        response = instructor_api.post(f"/courses/{course.pk}/submit")

        assert response.status_code == 409
        assert error(response)["code"] == "course_incomplete"
        assert "modules" in error(response)["fields"]
        assert state(course)[0] == CourseStatus.DRAFT

    def test_course_without_description_is_409_incomplete(self, instructor, instructor_api):
        course = ready_draft(owner=instructor, description="   ")

        response = instructor_api.post(f"/courses/{course.pk}/submit")

        assert response.status_code == 409
        assert error(response)["code"] == "course_incomplete"
        assert list(error(response)["fields"]) == ["description"]
        assert state(course)[0] == CourseStatus.DRAFT

    @pytest.mark.parametrize(
        "status", [CourseStatus.IN_REVIEW, CourseStatus.PUBLISHED, CourseStatus.ARCHIVED]
    )
    def test_only_drafts_and_rejected_courses_are_submitted(
        self, instructor, instructor_api: ApiClient, status
    ):
        course = ready_draft(owner=instructor, status=status)

        response = instructor_api.post(f"/courses/{course.pk}/submit")

        assert response.status_code == 409
        assert error(response)["code"] == "invalid_status"
        assert state(course)[0] == status

    def test_others_get_404(self, instructor, other_api, learner_api, api):
        course = ready_draft(owner=instructor)

        assert other_api.post(f"/courses/{course.pk}/submit").status_code == 404
        assert learner_api.post(f"/courses/{course.pk}/submit").status_code == 404
        assert api.post(f"/courses/{course.pk}/submit").status_code == 401
        assert state(course)[0] == CourseStatus.DRAFT


@pytest.mark.django_db
class TestApprove:
    def test_publishes_and_emails_every_instructor(
        self, instructor, staff_api: ApiClient, api: ApiClient, django_capture_on_commit_callbacks
    ):
        course = ready_draft(owner=instructor, status=CourseStatus.IN_REVIEW, title="Knots")
        co = CoInstructorFactory(course=course)

        with django_capture_on_commit_callbacks(execute=True):
            response = staff_api.post(f"/admin/courses/{course.pk}/approve")

        assert response.status_code == 200
        assert response.json()["status"] == "published"
        status, published_at, _ = state(course)
        assert status == CourseStatus.PUBLISHED
        assert published_at is not None
        assert len(mail.outbox) == 1
        assert sorted(mail.outbox[0].to) == sorted([instructor.email, co.user.email])
        assert "Knots" in mail.outbox[0].subject
        assert "published" in mail.outbox[0].subject
        # Now public.
        assert api.get(f"/courses/{course.pk}").status_code == 200
        assert [item["id"] for item in api.get("/courses").json()["items"]] == [course.pk]

    @pytest.mark.parametrize(
        "status", [CourseStatus.DRAFT, CourseStatus.PUBLISHED, CourseStatus.REJECTED]
    )
    def test_only_courses_in_review(self, staff_api: ApiClient, status):
        course = ready_draft(status=status)
        before = state(course)

        response = staff_api.post(f"/admin/courses/{course.pk}/approve")

        assert response.status_code == 409
        assert state(course) == before

    def test_non_admins_get_403_and_nothing_changes(
        self, instructor, instructor_api, learner_api, other_api, api
    ):
        course = ready_draft(owner=instructor, status=CourseStatus.IN_REVIEW)

        for client in (instructor_api, learner_api, other_api):
            response = client.post(f"/admin/courses/{course.pk}/approve")
            assert response.status_code == 403
            assert error(response)["code"] == "admin_required"
        assert api.post(f"/admin/courses/{course.pk}/approve").status_code == 401
        assert state(course)[0] == CourseStatus.IN_REVIEW
        assert mail.outbox == []

    def test_unknown_course_is_404(self, staff_api: ApiClient):
        assert staff_api.post("/admin/courses/999999/approve").status_code == 404


@pytest.mark.django_db
class TestReject:
    def test_rejects_with_reason_and_emails(
        self, instructor, staff_api: ApiClient, django_capture_on_commit_callbacks
    ):
        course = ready_draft(owner=instructor, status=CourseStatus.IN_REVIEW, title="Knots")

        with django_capture_on_commit_callbacks(execute=True):
            response = staff_api.post(
                f"/admin/courses/{course.pk}/reject", {"reason": "Audio is too quiet."}
            )

        assert response.status_code == 200
        assert response.json()["status"] == "rejected"
        assert response.json()["rejection_reason"] == "Audio is too quiet."
        assert state(course) == (CourseStatus.REJECTED, None, "Audio is too quiet.")
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [instructor.email]
        assert "Audio is too quiet." in mail.outbox[0].body

    @pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
    def test_reason_is_required(
        self, staff_api: ApiClient, body, django_capture_on_commit_callbacks
    ):
        course = ready_draft(status=CourseStatus.IN_REVIEW)

        with django_capture_on_commit_callbacks(execute=True):
            response = staff_api.post(f"/admin/courses/{course.pk}/reject", body)

        assert response.status_code == 422
        assert "reason" in error(response)["fields"]
        assert state(course)[0] == CourseStatus.IN_REVIEW
        assert mail.outbox == []

    def test_only_courses_in_review(self, staff_api: ApiClient):
        course = ready_draft(status=CourseStatus.PUBLISHED)

        response = staff_api.post(f"/admin/courses/{course.pk}/reject", {"reason": "No"})

        assert response.status_code == 409
        assert state(course)[0] == CourseStatus.PUBLISHED

    def test_non_admins_get_403(self, instructor, instructor_api, learner_api, api):
        course = ready_draft(owner=instructor, status=CourseStatus.IN_REVIEW)

        for client in (instructor_api, learner_api):
            response = client.post(f"/admin/courses/{course.pk}/reject", {"reason": "x"})
            assert response.status_code == 403
        assert api.post(f"/admin/courses/{course.pk}/reject", {"reason": "x"}).status_code == 401
        assert state(course) == (CourseStatus.IN_REVIEW, None, "")


@pytest.mark.django_db
class TestUnpublish:
    def test_takes_the_course_out_of_the_catalog(
        self, staff_api: ApiClient, api: ApiClient, django_capture_on_commit_callbacks
    ):
        course = CourseFactory()
        assert api.get(f"/courses/{course.pk}").status_code == 200  # now cached
        assert api.get(f"/courses/{course.slug}").status_code == 200

        # The cached answer is dropped once the change commits.
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_api.post(
                f"/admin/courses/{course.pk}/unpublish", {"reason": "Copyright claim"}
            )

        assert response.status_code == 200
        assert response.json()["status"] == "draft"
        assert response.json()["rejection_reason"] == "Copyright claim"
        assert api.get(f"/courses/{course.pk}").status_code == 404
        assert api.get(f"/courses/{course.slug}").status_code == 404
        assert api.get("/courses").json()["items"] == []

    def test_works_without_a_body(self, staff_api: ApiClient):
        course = CourseFactory()

        response = staff_api.post(f"/admin/courses/{course.pk}/unpublish", raw="")

        assert response.status_code == 200
        assert response.json()["status"] == "draft"

    def test_enrolled_learners_keep_access(self, staff_api: ApiClient, learner, learner_api):
        course = CourseFactory()
        lesson = LessonFactory(module=ModuleFactory(course=course))
        enroll(learner, course)

        staff_api.post(f"/admin/courses/{course.pk}/unpublish", {})

        assert learner_api.get(f"/lessons/{lesson.pk}").status_code == 200
        assert learner_api.get(f"/courses/{course.pk}").status_code == 200

    def test_only_published_courses(self, staff_api: ApiClient):
        course = ready_draft()

        assert staff_api.post(f"/admin/courses/{course.pk}/unpublish", {}).status_code == 409

    def test_non_admins_get_403(self, instructor, instructor_api: ApiClient, learner_api):
        course = CourseFactory(owner=instructor)

        assert instructor_api.post(f"/admin/courses/{course.pk}/unpublish", {}).status_code == 403
        assert learner_api.post(f"/admin/courses/{course.pk}/unpublish", {}).status_code == 403
        assert state(course)[0] == CourseStatus.PUBLISHED


@pytest.mark.django_db
class TestReviewQueue:
    def test_lists_courses_in_review_oldest_first(self, staff_api: ApiClient):
        first = ready_draft(status=CourseStatus.IN_REVIEW)
        second = ready_draft(status=CourseStatus.IN_REVIEW)
        ready_draft()
        CourseFactory()

        response = staff_api.get("/admin/courses?status=in_review")

        assert response.status_code == 200
        body = response.json()
        assert [item["id"] for item in body["items"]] == [first.pk, second.pk]
        assert body["count"] == 2
        assert {item["status"] for item in body["items"]} == {"in_review"}
        assert staff_api.get("/admin/courses").json()["count"] == 2

    def test_other_statuses(self, staff_api: ApiClient):
        published = CourseFactory()
        ready_draft()

        body = staff_api.get("/admin/courses?status=published").json()

        assert [item["id"] for item in body["items"]] == [published.pk]

    def test_query_count_does_not_grow_with_the_queue(
        self, staff_api: ApiClient, django_assert_max_num_queries
    ):
        ready_draft(status=CourseStatus.IN_REVIEW)
        with CaptureQueriesContext(connection) as one:
            staff_api.get("/admin/courses?status=in_review")
        for _ in range(8):
            ready_draft(status=CourseStatus.IN_REVIEW)

        with django_assert_max_num_queries(len(one)):
            assert staff_api.get("/admin/courses?status=in_review").json()["count"] == 9

    def test_unknown_status_is_422(self, staff_api: ApiClient):
        response = staff_api.get("/admin/courses?status=lost")

        assert response.status_code == 422
        assert "status" in error(response)["fields"]

    def test_non_admins_get_403(self, instructor_api: ApiClient, learner_api: ApiClient, api):
        assert instructor_api.get("/admin/courses?status=in_review").status_code == 403
        assert learner_api.get("/admin/courses?status=in_review").status_code == 403
        assert api.get("/admin/courses?status=in_review").status_code == 401


@pytest.mark.django_db
def test_the_whole_journey(instructor, instructor_api: ApiClient, staff_api: ApiClient, api):
    created = instructor_api.post(
        "/courses",
        {"title": "Knots", "description": "Tie them.", "price": 0, "category": "fitness"},
    ).json()
    module = instructor_api.post(f"/courses/{created['id']}/modules", {"title": "Basics"}).json()
    instructor_api.post(
        f"/modules/{module['id']}/lessons", {"title": "Reef knot", "type": "text", "body": "Hi"}
    )
    assert api.get(f"/courses/{created['slug']}").status_code == 404

    assert instructor_api.post(f"/courses/{created['id']}/submit").json()["status"] == "in_review"
    assert api.get(f"/courses/{created['id']}").status_code == 404
    assert staff_api.post(f"/admin/courses/{created['id']}/approve").json()["status"] == (
        "published"
    )

    public = api.get(f"/courses/{created['slug']}")
    assert public.status_code == 200
    assert public.json()["modules"][0]["lessons"][0]["title"] == "Reef knot"


@pytest.mark.django_db
class TestAdminActionsDecideThemselves:
    """The review services authorise their actor and decide on the locked row, not on the
    caller's copy (which another admin or the instructor may have changed since)."""

    @pytest.mark.parametrize(
        ("action", "status"),
        [
            (
                lambda actor, course: services.approve_course(admin=actor, course=course),
                "in_review",
            ),
            (
                lambda actor, course: services.reject_course(
                    admin=actor, course=course, reason="x"
                ),
                "in_review",
            ),
            (
                lambda actor, course: services.unpublish_course(admin=actor, course=course),
                "published",
            ),
            (
                lambda actor, course: services.set_featured(
                    admin=actor, course=course, featured=True
                ),
                "published",
            ),
        ],
    )
    def test_only_an_admin_may_act(self, action, status, instructor):
        course = ready_draft(owner=instructor)
        Course.objects.filter(pk=course.pk).update(status=status)
        course.refresh_from_db()
        before = state(course), course.is_featured

        with pytest.raises(PermissionDenied):
            action(instructor, course)

        assert (state(course), course.is_featured) == before
        assert mail.outbox == []

    def test_approving_a_course_rejected_meanwhile_is_refused(self, admin_user):
        course = ready_draft(status=CourseStatus.IN_REVIEW)
        stale = Course.objects.get(pk=course.pk)
        services.reject_course(admin=admin_user, course=course, reason="Add captions.")

        with pytest.raises(Conflict):
            services.approve_course(admin=admin_user, course=stale)

        assert state(course) == (CourseStatus.REJECTED, None, "Add captions.")

    def test_featuring_a_course_unpublished_meanwhile_is_refused(self, admin_user):
        course = CourseFactory()
        stale = Course.objects.get(pk=course.pk)
        services.unpublish_course(admin=admin_user, course=course, reason="Outdated.")

        with pytest.raises(Conflict):
            services.set_featured(admin=admin_user, course=stale, featured=True)

        course.refresh_from_db()
        assert (course.status, course.is_featured) == (CourseStatus.DRAFT, False)
