"""Assignments over the API: submitting text or a file (checked by content), late flags,
who sees which submissions, grading once by the course's instructors, the learner told, and
a passing grade completing the lesson."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agora.catalog.models import LessonType
from agora.learning.models import LessonProgress, Submission
from agora.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.catalog.factories import LessonFactory, api_for, course_with_curriculum, enroll
from tests.conftest import ApiClient

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def course(instructor):
    return course_with_curriculum(owner=instructor, price=0, modules=1, lessons=1)


@pytest.fixture
def assignment(course):
    return LessonFactory(
        module=course.modules.first(),
        type=LessonType.ASSIGNMENT,
        title="Write an essay",
        body="Write 500 words on knots.",
        due_at=timezone.now() + timedelta(days=7),
        max_points=10,
        pass_points=6,
    )


@pytest.fixture
def enrolled(learner, course):
    enroll(learner, course)
    return learner


def multipart(api: ApiClient, path: str, data: dict):
    return api.client.post(path, data, headers=api._headers(None))


@pytest.mark.django_db
class TestSubmitting:
    def test_a_text_submission_is_stored_on_time(self, learner_api, enrolled, assignment):
        response = learner_api.post(
            f"/lessons/{assignment.pk}/submissions", {"text": "  Knots hold boats.  "}
        )

        assert response.status_code == 201
        body = response.json()
        assert body["text"] == "Knots hold boats."
        assert (body["status"], body["is_late"], body["points"], body["passed"]) == (
            "submitted",
            False,
            None,
            None,
        )
        assert body["max_points"] == 10
        assert body["file_url"] is None
        assert body["learner"]["id"] == enrolled.pk

    def test_after_the_due_date_it_is_accepted_and_flagged_late(
        self, learner_api, enrolled, assignment
    ):
        assignment.due_at = timezone.now() - timedelta(minutes=1)
        assignment.save()

        response = learner_api.post(f"/lessons/{assignment.pk}/submissions", {"text": "Late"})

        assert response.status_code == 201
        assert response.json()["is_late"] is True

    def test_a_file_is_checked_by_content_and_downloadable(
        self, learner_api, enrolled, assignment, instructor_api
    ):
        upload = SimpleUploadedFile("essay.pdf", PDF, content_type="application/pdf")
        response = multipart(
            learner_api,
            f"/api/v1/lessons/{assignment.pk}/submissions",
            {"text": "See the file", "file": upload},
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["file_name"], body["content_type"], body["size_bytes"]) == (
            "essay.pdf",
            "application/pdf",
            len(PDF),
        )
        download = instructor_api.get(body["file_url"].removeprefix("/api/v1"))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Type"] == "application/pdf"

    def test_a_file_that_is_not_what_we_accept_is_refused(self, learner_api, enrolled, assignment):
        upload = SimpleUploadedFile(
            "essay.pdf", b"MZ\x90\x00binary", content_type="application/pdf"
        )
        response = multipart(
            learner_api, f"/api/v1/lessons/{assignment.pk}/submissions", {"file": upload}
        )

        assert response.status_code == 422
        assert "file" in response.json()["error"]["fields"]
        assert not Submission.objects.exists()

    def test_an_empty_submission_is_refused(self, learner_api, enrolled, assignment):
        response = learner_api.post(f"/lessons/{assignment.pk}/submissions", {"text": "  "})

        assert response.status_code == 422
        assert response.json()["error"]["fields"]["text"]
        assert not Submission.objects.exists()

    def test_malformed_json_is_400(self, learner_api, enrolled, assignment):
        response = learner_api.client.post(
            f"/api/v1/lessons/{assignment.pk}/submissions",
            data=b"{nope",
            content_type="application/json",
            headers=learner_api._headers(None),
        )

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "malformed_json"

    def test_not_enrolled_is_403_and_anonymous_401(self, learner_api, assignment):
        response = learner_api.post(f"/lessons/{assignment.pk}/submissions", {"text": "x"})

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "enrollment_required"
        assert (
            ApiClient().post(f"/lessons/{assignment.pk}/submissions", {"text": "x"}).status_code
            == 401
        )
        assert not Submission.objects.exists()

    def test_a_lesson_that_is_not_an_assignment_is_404(self, learner_api, enrolled, course):
        text = course.modules.first().lessons.first()

        response = learner_api.post(f"/lessons/{text.pk}/submissions", {"text": "x"})

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "assignment_not_found"


@pytest.mark.django_db
class TestListing:
    def test_learners_see_their_own_and_instructors_all(
        self, learner_api, enrolled, assignment, course, instructor_api
    ):
        learner_api.post(f"/lessons/{assignment.pk}/submissions", {"text": "mine"})
        other = UserFactory()
        enroll(other, course)
        api_for(other).post(f"/lessons/{assignment.pk}/submissions", {"text": "theirs"})

        mine = learner_api.get(f"/lessons/{assignment.pk}/submissions").json()
        everyone = instructor_api.get(f"/lessons/{assignment.pk}/submissions").json()

        assert [s["text"] for s in mine["items"]] == ["mine"]
        assert mine["count"] == 1
        assert [s["text"] for s in everyone["items"]] == ["mine", "theirs"]

    def test_someone_elses_file_is_404(self, learner_api, enrolled, assignment, course):
        upload = SimpleUploadedFile("essay.pdf", PDF)
        created = multipart(
            learner_api, f"/api/v1/lessons/{assignment.pk}/submissions", {"file": upload}
        ).json()
        other = UserFactory()
        enroll(other, course)

        response = api_for(other).get(f"/submissions/{created['id']}/file")

        assert response.status_code == 404


@pytest.mark.django_db
class TestGrading:
    def submit(self, api, assignment, text="My essay"):
        return Submission.objects.get(
            pk=api.post(f"/lessons/{assignment.pk}/submissions", {"text": text}).json()["id"]
        )

    def test_a_passing_grade_completes_the_lesson_and_tells_the_learner(
        self, learner_api, enrolled, assignment, instructor_api, django_capture_on_commit_callbacks
    ):
        submission = self.submit(learner_api, assignment)

        with django_capture_on_commit_callbacks(execute=True):
            response = instructor_api.post(
                f"/submissions/{submission.pk}/grade", {"points": 8, "feedback": "Well argued."}
            )

        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["points"], body["passed"], body["feedback"]) == (
            "graded",
            8,
            True,
            "Well argued.",
        )
        assert LessonProgress.objects.get(user=enrolled, lesson=assignment).completed_at
        notification = Notification.objects.get(user=enrolled, kind="assignment_graded")
        assert "8/10" in notification.title
        # The learner sees the grade on their own submission.
        mine = learner_api.get(f"/lessons/{assignment.pk}/submissions").json()["items"][0]
        assert (mine["points"], mine["feedback"]) == (8, "Well argued.")

    def test_a_failing_grade_does_not_complete_the_lesson(
        self, learner_api, enrolled, assignment, instructor_api
    ):
        submission = self.submit(learner_api, assignment)

        body = instructor_api.post(
            f"/submissions/{submission.pk}/grade", {"points": 5, "feedback": "Too short."}
        ).json()

        assert body["passed"] is False
        assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()
        assert Notification.objects.filter(user=enrolled, kind="assignment_graded").exists()

    def test_a_submission_is_graded_once(self, learner_api, enrolled, assignment, instructor_api):
        submission = self.submit(learner_api, assignment)
        instructor_api.post(f"/submissions/{submission.pk}/grade", {"points": 7})

        again = instructor_api.post(f"/submissions/{submission.pk}/grade", {"points": 2})

        assert again.status_code == 409
        assert again.json()["error"]["code"] == "already_graded"
        submission.refresh_from_db()
        assert submission.points == 7

    def test_points_past_the_maximum_are_refused(
        self, learner_api, enrolled, assignment, instructor_api
    ):
        submission = self.submit(learner_api, assignment)

        response = instructor_api.post(f"/submissions/{submission.pk}/grade", {"points": 11})

        assert response.status_code == 422
        assert response.json()["error"]["fields"]["points"] == ["Points are from 0 to 10."]
        submission.refresh_from_db()
        assert submission.graded_at is None

    def test_learners_and_other_instructors_cannot_grade(
        self, learner_api, enrolled, assignment, other_api
    ):
        submission = self.submit(learner_api, assignment)

        assert (
            learner_api.post(f"/submissions/{submission.pk}/grade", {"points": 10}).status_code
            == 404
        )
        assert (
            other_api.post(f"/submissions/{submission.pk}/grade", {"points": 10}).status_code == 404
        )
        assert (
            ApiClient().post(f"/submissions/{submission.pk}/grade", {"points": 10}).status_code
            == 401
        )
        submission.refresh_from_db()
        assert submission.graded_at is None

    def test_marking_complete_by_hand_is_refused(self, learner_api, enrolled, assignment):
        response = learner_api.post(f"/lessons/{assignment.pk}/complete")

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "assignment_not_passed"


@pytest.mark.django_db
class TestAssignmentLessons:
    def test_an_instructor_creates_an_assignment(self, instructor_api, course):
        response = instructor_api.post(
            f"/modules/{course.modules.first().pk}/lessons",
            {
                "title": "Essay",
                "type": "assignment",
                "instructions": "Write about knots.",
                "due_at": "2030-01-01T12:00:00Z",
                "max_points": 20,
            },
        )

        assert response.status_code == 201
        body = response.json()
        assert (body["instructions"], body["max_points"], body["pass_points"]) == (
            "Write about knots.",
            20,
            10,
        )
        assert body["due_at"].startswith("2030-01-01T12:00:00")

    def test_a_pass_mark_above_the_points_is_refused(self, instructor_api, assignment):
        response = instructor_api.patch(f"/lessons/{assignment.pk}", {"pass_points": 11})

        assert response.status_code == 422
        assert "pass_points" in response.json()["error"]["fields"]

    def test_points_on_another_kind_of_lesson_are_refused(self, instructor_api, course):
        text = course.modules.first().lessons.first()

        response = instructor_api.patch(f"/lessons/{text.pk}", {"max_points": 5})

        assert response.status_code == 422
