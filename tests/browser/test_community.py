"""Course discussions in Chromium: a learner asks about a lesson from the player and takes a
note at a moment of its video; the instructor answers from a phone; the learner votes and
accepts; another learner's spam answer is reported and an admin hides it from the queue."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from agora.catalog.models import LessonType
from agora.community.models import Answer, Note, Question
from agora.moderation.models import Report
from tests.accounts.factories import UserFactory
from tests.browser.conftest import DESKTOP, MOBILE, browsing
from tests.browser.test_catalog import sign_in
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, enroll

pytestmark = pytest.mark.browser

DEMO_CLIP = Path(__file__).resolve().parents[2] / "static" / "agora" / "demo" / "demo-lesson.mp4"


@pytest.fixture
def course(transactional_db: Any, live_server: Any, settings: Any, tmp_path: Any) -> Any:
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    teacher = UserFactory(email="teacher@example.com", name="Tess Teacher", is_instructor=True)
    course = CourseFactory(owner=teacher, price=0, title="Knots for Sailors")
    module = ModuleFactory(course=course, title="Basics")
    video = LessonFactory(
        module=module, type=LessonType.VIDEO, title="Tying a bowline", duration_seconds=60
    )
    video.video_file.save("clip.mp4", ContentFile(DEMO_CLIP.read_bytes()))
    return course


def test_ask_answer_vote_accept_report_hide_and_a_note(browser, live_server, course, screenshot):
    lesson = course.modules.get().lessons.get()
    learner = UserFactory(email="sam@example.com", name="Sam Sailor")
    spammer = UserFactory(email="spam@example.com", name="Spammy McSpam")
    admin = UserFactory(
        email="admin@example.com", name="Ada Admin", is_staff=True, is_superuser=True
    )
    for person in (learner, spammer):
        enroll(person, course)
    player = f"/learn/{course.slug}/lessons/{lesson.pk}/"

    with browsing(browser, live_server, viewport=DESKTOP) as page:
        sign_in(page, learner.email)
        page.goto(player)
        # Q&A tab: ask about this lesson without leaving the player.
        page.get_by_text("Questions and answers", exact=True).click()
        page.get_by_text("No questions about this lesson yet.").wait_for()
        page.get_by_text("Ask a question about this lesson").click()
        page.get_by_label("Your question").fill("Which end goes through the loop?")
        page.get_by_label("Details").fill("The rabbit or the tree? I keep mixing them up.")
        page.get_by_role("button", name="Ask", exact=True).click()
        page.get_by_text("Your question is posted.").wait_for()
        question = Question.objects.get()
        assert question.lesson_id == lesson.pk
        assert page.locator("#lesson-qa").get_by_role("link", name=question.title).is_visible()

        # Notes tab: a note taken at the video's current moment; its time seeks there.
        video = page.locator("#lesson-video")
        video.evaluate(
            "v => new Promise(done => v.readyState >= 1 ? done() : "
            "v.addEventListener('loadedmetadata', done, {once: true}))"
        )
        video.evaluate("v => { v.currentTime = 3; }")
        page.get_by_text("My notes", exact=True).first.click()
        page.get_by_label("New note").fill("Rabbit out of the hole, round the tree")
        page.get_by_role("button", name="Save note").click()
        page.locator("#lesson-notes .note-time").wait_for()
        note = Note.objects.get()
        assert note.seconds == 3
        assert note.author == learner
        video.evaluate("v => { v.muted = true; v.currentTime = 0; }")
        page.locator("#lesson-notes .note-time").click()
        page.wait_for_function("() => document.getElementById('lesson-video').currentTime >= 3")
        screenshot(page, "community-player-tabs")
        # Pausing saves the position now: no request is left to arrive after the test.
        with page.expect_response(lambda response: "/position/" in response.url):
            video.evaluate("v => v.pause()")

    with browsing(browser, live_server, viewport=MOBILE, is_mobile=True, has_touch=True) as phone:
        sign_in(phone, course.owner.email)
        phone.goto(f"/learn/{course.slug}/questions/{question.pk}/")
        phone.get_by_label("Your answer").fill("The rabbit comes **up** through the hole.")
        phone.get_by_role("button", name="Post answer").click()
        phone.get_by_text("Your answer is posted.").wait_for()
        assert phone.get_by_text("Instructor", exact=True).is_visible()
        screenshot(phone, "community-question-phone")
    teacher_answer = Answer.objects.get(author=course.owner)

    with browsing(browser, live_server, viewport=DESKTOP) as page:
        sign_in(page, spammer.email)
        page.goto(f"/learn/{course.slug}/questions/{question.pk}/")
        page.get_by_label("Your answer").fill("Cheap rope at spam.example!")
        page.get_by_role("button", name="Post answer").click()
        page.get_by_text("Your answer is posted.").wait_for()
    spam = Answer.objects.get(author=spammer)

    with browsing(browser, live_server, viewport=DESKTOP) as page:
        sign_in(page, learner.email)
        page.goto(f"/learn/{course.slug}/questions/{question.pk}/")
        answer = page.locator(f"#answer-{teacher_answer.pk}")
        answer.get_by_role("button", name="Vote up").click()
        answer.locator('button[aria-label="Vote up"][aria-pressed="true"]').wait_for()
        answer.get_by_role("button", name="Accept this answer").click()
        page.locator(f"#answer-{teacher_answer.pk}").get_by_text("Accepted answer").wait_for()
        teacher_answer.refresh_from_db()
        assert teacher_answer.votes == 1
        question.refresh_from_db()
        assert question.accepted_answer_id == teacher_answer.pk
        screenshot(page, "community-question-desktop")
        # Report the spam answer.
        spam_item = page.locator(f"#answer-{spam.pk}")
        spam_item.locator("summary", has_text="Report").click()
        spam_item.get_by_label("Why?").select_option("spam")
        with page.expect_navigation():
            spam_item.get_by_role("button", name="Send report").click()
        page.get_by_text("the admins will look at your report").wait_for()
    assert Report.objects.get().target_id == spam.pk

    with browsing(browser, live_server, viewport=DESKTOP) as page:
        sign_in(page, admin.email)
        page.goto("/admin-console/reports/")
        page.get_by_text("Spammy McSpam").first.wait_for()
        screenshot(page, "community-reports-queue")
        page.get_by_label("Note").fill("Advertising.")
        with page.expect_navigation():
            page.get_by_role("button", name="Hide answer").click()
        page.get_by_text("The report is resolved.").wait_for()
    spam.refresh_from_db()
    assert spam.hidden_at is not None

    with browsing(browser, live_server, viewport=DESKTOP) as page:
        sign_in(page, learner.email)
        page.goto(f"/learn/{course.slug}/questions/{question.pk}/")
        page.get_by_text("The rabbit comes").wait_for()
        assert page.get_by_text("Cheap rope").count() == 0
