"""The player's extras in Chromium: kinds and lengths in the curriculum, the transcript from
the subtitles (a line plays from its moment), theatre mode and keyboard shortcuts, and the
next lesson playing by itself when a video ends (unless turned off)."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from agora.catalog.models import LessonType
from tests.accounts.factories import UserFactory
from tests.browser.test_catalog import sign_in
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, enroll

pytestmark = pytest.mark.browser

DEMO = Path(__file__).resolve().parents[2] / "static" / "agora" / "demo"


@pytest.fixture
def course(transactional_db: Any, live_server: Any, settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    course = CourseFactory(price=0, title="Sailing basics")
    module = ModuleFactory(course=course, title="On the water")
    video = LessonFactory(
        module=module, type=LessonType.VIDEO, title="Hoisting the sail", duration_seconds=75
    )
    video.video_file.save("clip.mp4", ContentFile((DEMO / "demo-lesson.mp4").read_bytes()))
    video.subtitle_file.save("clip.vtt", ContentFile((DEMO / "demo-lesson.vtt").read_bytes()))
    reading = LessonFactory(module=module, title="Points of sail", duration_seconds=420)
    learner = UserFactory(email="sailor@example.com")
    enroll(learner, course)
    return course, video, reading, learner


def test_curriculum_transcript_theatre_and_shortcuts(page, live_server, course, screenshot):
    course, video, reading, learner = course
    sign_in(page, learner.email)
    page.goto(f"/learn/{course.slug}/lessons/{video.pk}/")
    items = page.locator(".player-lesson")
    shown = ".player-lesson-meta [aria-hidden=true]"
    assert items.nth(0).locator(shown).all_inner_texts() == ["▶", "1:15"]
    assert items.nth(1).locator(shown).all_inner_texts() == ["≡", "7:00"]
    assert "Video, 1 min" in items.nth(0).inner_text()  # the kind, for screen readers

    page.get_by_text("Transcript", exact=True).click()
    cues = page.locator(".transcript-cue")
    cues.first.wait_for()
    assert cues.count() >= 2
    assert "Welcome to this Agora demo lesson." in cues.first.inner_text()
    page.evaluate("() => { document.getElementById('lesson-video').muted = true; }")
    start = float(cues.nth(1).get_attribute("data-seek"))
    cues.nth(1).click()
    assert (
        abs(page.evaluate("() => document.getElementById('lesson-video').currentTime") - start)
        < 1.5
    )
    screenshot(page, "player-transcript")

    page.locator("body").press("t")
    assert page.locator(".player.is-theatre").count() == 1
    assert not page.locator("#player-sidebar").is_visible()
    assert page.get_by_role("button", name="Theatre mode").get_attribute("aria-pressed") == "true"
    screenshot(page, "player-theatre")
    page.reload()
    assert page.locator(".player.is-theatre").count() == 1  # remembered in this browser
    page.locator("body").press("t")
    assert page.locator("#player-sidebar").is_visible()

    page.locator("body").press("?")
    assert page.locator("#player-shortcuts").evaluate("d => d.open")
    assert "Back or forward 10 seconds" in page.locator("#player-shortcuts").inner_text()
    page.locator("body").press("n")
    page.wait_for_url(f"**/lessons/{reading.pk}/")
    page.locator("body").press("p")
    page.wait_for_url(f"**/lessons/{video.pk}/")


def test_the_next_lesson_plays_when_the_video_ends_unless_turned_off(page, course):
    course, video, reading, learner = course
    sign_in(page, learner.email)
    page.goto(f"/learn/{course.slug}/lessons/{video.pk}/")
    toggle = page.get_by_label("Play the next lesson when this one ends")
    assert toggle.is_checked()
    player = page.locator("#lesson-video")
    player.evaluate(
        "v => { v.muted = true; v.currentTime = Math.max(0, v.duration - 0.3); return v.play(); }"
    )
    page.locator("#autoplay-note").filter(has_text="Next lesson in").wait_for(timeout=10_000)
    page.wait_for_url(f"**/lessons/{reading.pk}/", timeout=10_000)

    page.goto(f"/learn/{course.slug}/lessons/{video.pk}/")
    page.get_by_label("Play the next lesson when this one ends").uncheck()
    page.reload()
    assert not page.get_by_label("Play the next lesson when this one ends").is_checked()
    page.locator("#lesson-video").evaluate(
        "v => { v.muted = true; v.currentTime = Math.max(0, v.duration - 0.3); return v.play(); }"
    )
    page.wait_for_function("() => document.getElementById('lesson-video').ended")
    page.wait_for_timeout(1500)
    assert page.url.endswith(f"/lessons/{video.pk}/")
    assert page.locator("#autoplay-note").is_hidden()
