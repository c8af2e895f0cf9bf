"""The player's layout at a laptop's and a phone's width: nothing widens the page (a long
line of code scrolls inside its block), and on a phone the lesson's video comes first."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from agora.catalog.models import LessonType
from tests.accounts.factories import UserFactory
from tests.browser.conftest import browsing, overflow
from tests.browser.test_catalog import sign_in
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, enroll

pytestmark = pytest.mark.browser

DEMO_CLIP = Path(__file__).resolve().parents[2] / "static" / "agora" / "demo" / "demo-lesson.mp4"
LONG_CODE = "```python\n" + "result = " + " + ".join(f"value_{n}" for n in range(80)) + "\n```"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def lessons(transactional_db: Any, live_server: Any, settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    course = CourseFactory(price=0, title="Python for Sailors")
    module = ModuleFactory(course=course, title="Basics")
    video = LessonFactory(
        module=module, type=LessonType.VIDEO, title="Watch this", duration_seconds=60
    )
    video.video_file.save("clip.mp4", ContentFile(DEMO_CLIP.read_bytes()))
    code = LessonFactory(module=module, title="A long line", body=LONG_CODE)
    for n in range(12):  # a long curriculum, as real courses have
        LessonFactory(module=module, title=f"Lesson {n} with a rather long title to wrap")
    return course, video, code


def page_overflow(page: Any) -> int:
    return overflow(page)


@pytest.mark.parametrize(("viewport", "name"), [(LAPTOP, "laptop"), (PHONE, "phone")])
def test_no_page_is_wider_than_the_screen(
    browser, live_server, lessons, viewport, name, screenshot
):
    course, video, code = lessons
    learner = UserFactory(email=f"{name}@example.com")
    enroll(learner, course)
    with browsing(browser, live_server, viewport=viewport, is_mobile=name == "phone") as page:
        sign_in(page, learner.email)
        widths = {}
        for lesson in (video, code):
            page.goto(f"/learn/{course.slug}/lessons/{lesson.pk}/")
            assert page_overflow(page) <= 0, f"{lesson.title} scrolls sideways at {name} width"
            widths[lesson.pk] = page.locator("#player-sidebar").bounding_box()["width"]
        assert widths[video.pk] == widths[code.pk], "the curriculum changed width"
        block = page.locator(".lesson-body pre").first
        assert block.evaluate("pre => pre.scrollWidth > pre.clientWidth")  # it scrolls itself
        screenshot(page, f"player-code-{name}")


def test_on_a_phone_the_video_comes_first(browser, live_server, lessons):
    course, video, _ = lessons
    learner = UserFactory(email="phone-video@example.com")
    enroll(learner, course)
    with browsing(browser, live_server, viewport=PHONE, is_mobile=True) as page:
        sign_in(page, learner.email)
        page.goto(f"/learn/{course.slug}/lessons/{video.pk}/")
        # Measured once the page's fonts are in, as a reader sees it: on a busy CI machine the
        # first layout (likely set in a fallback font) once put the video 453 px down.
        page.wait_for_function("document.fonts.status === 'loaded'")
        top = page.locator("#lesson-video").bounding_box()["y"]
        assert top < PHONE["height"] / 2, f"the video starts {top:.0f} px down"
