"""Assignments on the pages: handing in from the player, the studio's grading queue and
grading from it, files downloaded by the author and the course's instructors only."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agora.catalog.models import LessonType
from agora.learning.models import LessonProgress, Submission
from tests.accounts.factories import UserFactory
from tests.catalog.factories import LessonFactory, course_with_curriculum, enroll
from tests.conftest import client_for

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def course(instructor):
    return course_with_curriculum(owner=instructor, price=0, modules=1, lessons=1)


@pytest.fixture
def assignment(course):
    return LessonFactory(
        module=course.modules.first(),
        type=LessonType.ASSIGNMENT,
        title="Knot essay",
        body="Write about knots.",
        due_at=timezone.now() - timedelta(hours=1),
        max_points=10,
        pass_points=6,
    )


@pytest.fixture
def browser(learner, course):
    enroll(learner, course)
    return client_for(learner)


def hand_in(browser, course, assignment, **data):
    return browser.post(reverse("learn_submit", args=[course.slug, assignment.pk]), data)


@pytest.mark.django_db
def test_the_player_takes_work_and_shows_it_late(browser, learner, course, assignment):
    page = browser.get(reverse("learn_lesson", args=[course.slug, assignment.pk])).content.decode()
    assert "Hand in your work" in page
    assert "A grade of 6 of 10 points or more completes this assignment." in page
    assert "Mark as complete" not in page

    response = hand_in(
        browser,
        course,
        assignment,
        text="Bowlines hold.",
        file=SimpleUploadedFile("essay.pdf", PDF),
    )

    assert response.status_code == 302
    submission = Submission.objects.get()
    assert (submission.user, submission.text, submission.is_late) == (
        learner,
        "Bowlines hold.",
        True,
    )
    page = browser.get(reverse("learn_lesson", args=[course.slug, assignment.pk])).content.decode()
    assert "marked late" in page
    assert "Waiting for a grade" in page
    assert reverse("submission_file", args=[submission.pk]) in page


@pytest.mark.django_db
def test_an_empty_hand_in_is_refused_with_the_reason(browser, course, assignment):
    response = hand_in(browser, course, assignment, text="  ")

    assert response.status_code == 302
    page = browser.get(response["Location"]).content.decode()
    assert "Write your answer or attach a file." in page
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_the_grading_queue_grades_and_completes(browser, learner, instructor, course, assignment):
    hand_in(browser, course, assignment, text="My essay")
    submission = Submission.objects.get()
    teacher = client_for(instructor)

    queue = teacher.get(reverse("grading_queue", args=[course.pk])).content.decode()
    assert "My essay" in queue
    assert "1 submission waiting" in queue

    response = teacher.post(
        reverse("grade_submission", args=[submission.pk]), {"points": "9", "feedback": "Good."}
    )

    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.points, submission.feedback) == (9, "Good.")
    assert LessonProgress.objects.get(user=learner, lesson=assignment).completed_at is not None
    queue = teacher.get(reverse("grading_queue", args=[course.pk])).content.decode()
    assert "Nothing to grade" in queue
    page = browser.get(reverse("learn_lesson", args=[course.slug, assignment.pk])).content.decode()
    assert "9 / 10" in page
    assert "Good." in page


@pytest.mark.django_db
def test_others_cannot_see_the_queue_grade_or_download(
    browser, course, assignment, other_instructor
):
    hand_in(browser, course, assignment, file=SimpleUploadedFile("essay.pdf", PDF))
    submission = Submission.objects.get()
    other = client_for(other_instructor)
    stranger = client_for(UserFactory())

    assert other.get(reverse("grading_queue", args=[course.pk])).status_code == 404
    assert (
        other.post(reverse("grade_submission", args=[submission.pk]), {"points": "9"}).status_code
        == 404
    )
    assert stranger.get(reverse("submission_file", args=[submission.pk])).status_code == 404
    assert (
        browser.post(reverse("grade_submission", args=[submission.pk]), {"points": "9"}).status_code
        == 404
    )
    submission.refresh_from_db()
    assert submission.graded_at is None
    download = browser.get(reverse("submission_file", args=[submission.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.django_db
def test_the_studio_creates_an_assignment(instructor, course):
    module = course.modules.first()
    teacher = client_for(instructor)

    form = teacher.get(f"/studio/modules/{module.pk}/lessons/new/", {"type": "assignment"})
    assert 'name="due_at"' in form.content.decode()
    assert 'name="pass_points"' in form.content.decode()

    response = teacher.post(
        f"/studio/modules/{module.pk}/lessons/new/",
        {
            "type": "assignment",
            "title": "Essay",
            "body": "Write it.",
            "due_at": "2030-05-01T09:30",
            "max_points": "20",
            "pass_points": "15",
        },
    )

    assert response.status_code == 302
    lesson = module.lessons.get(title="Essay")
    assert (lesson.type, lesson.max_points, lesson.pass_points) == ("assignment", 20, 15)
    assert lesson.due_at.isoformat().startswith("2030-05-01T09:30")
