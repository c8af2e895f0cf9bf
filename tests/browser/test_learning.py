"""Learning in Chromium, from enrolling to the certificate: enroll in a free course, complete a
text lesson, watch a video that reports its position and completes itself when it ends, pass
a quiz, see the course completed, download the certificate and write a review."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from agora.catalog.models import LessonType, QuestionKind
from agora.learning.models import Certificate, Enrollment, LessonProgress
from tests.accounts.factories import UserFactory
from tests.browser.test_catalog import sign_in
from tests.catalog.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    QuizQuestionFactory,
)

pytestmark = pytest.mark.browser

DEMO_CLIP = Path(__file__).resolve().parents[2] / "static" / "agora" / "demo" / "demo-lesson.mp4"


@pytest.fixture
def course(transactional_db: Any, live_server: Any, settings: Any, tmp_path: Any) -> Any:
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    course = CourseFactory(price=0, title="Knots for Sailors")
    module = ModuleFactory(course=course, title="Basics")
    LessonFactory(module=module, title="Why knots matter", body="Knots **hold** boats.")
    video = LessonFactory(
        module=module, type=LessonType.VIDEO, title="Tying a bowline", duration_seconds=60
    )
    video.video_file.save("clip.mp4", ContentFile(DEMO_CLIP.read_bytes()))
    quiz = LessonFactory(module=module, type=LessonType.QUIZ, title="Knot quiz", pass_percent=100)
    QuizQuestionFactory(
        lesson=quiz, prompt="Which knot makes a fixed loop?", options=["Reef", "Bowline"]
    )
    QuizQuestionFactory(
        lesson=quiz,
        prompt="Name the knot that joins two ropes of the same size.",
        kind=QuestionKind.FILL_BLANK,
        options=[],
        correct=[],
        accepted_answers=["reef knot", "square knot"],
    )
    return course


def test_from_enrolling_to_the_certificate_and_a_review(page, live_server, course, screenshot):
    learner = UserFactory(email="sailor@example.com", name="Sam Sailor")
    sign_in(page, learner.email)

    page.goto(f"/courses/{course.slug}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Enroll for free").click()
    # Enrolling lands in the player, on the first lesson.
    page.get_by_role("heading", name="Why knots matter").wait_for()
    assert Enrollment.objects.filter(learner=learner, course=course).exists()
    screenshot(page, "learning-player-text")

    page.get_by_role("button", name="Mark as complete").click()
    page.get_by_text("Lesson completed").wait_for()
    assert page.locator("#course-progress").get_attribute("value") == "33"

    with page.expect_navigation():
        page.get_by_role("link", name="Next").click()
    page.get_by_role("heading", name="Tying a bowline").wait_for()
    video = page.locator("#lesson-video")
    video.evaluate(
        "v => new Promise(done => v.readyState >= 1 ? done() : "
        "v.addEventListener('loadedmetadata', done, {once: true}))"
    )
    # Watch a little, pause: the position is saved for resuming.
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_timeout(1500)
    with page.expect_response(lambda r: "/position/" in r.url):
        video.evaluate("v => v.pause()")
    saved = LessonProgress.objects.get(user=learner, lesson__title="Tying a bowline")
    assert saved.position_seconds >= 1
    assert saved.completed_at is None
    # Skip to the end: the lesson completes itself.
    with page.expect_response(lambda r: "/complete/" in r.url):
        video.evaluate("v => { v.currentTime = Math.max(0, v.duration - 0.3); return v.play(); }")
    page.get_by_text("Lesson completed").wait_for()
    screenshot(page, "learning-player-video")

    with page.expect_navigation():
        page.get_by_role("link", name="Next").click()
    page.get_by_role("heading", name="Knot quiz").wait_for()
    page.get_by_label("Bowline").check()
    page.get_by_label("Your answer").fill("Square knot")
    page.get_by_role("button", name="Submit answers").click()
    page.get_by_text("passed. Well done!").wait_for()
    page.get_by_text("You completed “Knots for Sailors”").wait_for()
    assert page.locator("#course-progress").get_attribute("value") == "100"
    screenshot(page, "learning-quiz-passed")

    page.goto("/my-learning/")
    page.get_by_role("heading", name="Completed").wait_for()
    assert page.locator("progress").first.get_attribute("value") == "100"

    certificate = Certificate.objects.get(enrollment__learner=learner)
    page.goto("/me/certificates/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    page.goto(f"/certificates/{certificate.code}/")
    page.get_by_text("Sam Sailor").first.wait_for()
    screenshot(page, "learning-certificate-verify")

    page.goto(f"/courses/{course.slug}/")
    page.get_by_role("heading", name="Write a review").wait_for()
    page.locator("input[name=rating][value='5']").check()
    page.get_by_label("Your review").fill("Clear and practical.")
    page.get_by_role("button", name="Publish review").click()
    page.get_by_role("list", name="Reviews, newest first").get_by_text(
        "Clear and practical."
    ).wait_for()
    course.refresh_from_db()
    assert course.ratings_count == 1
    screenshot(page, "learning-review")
