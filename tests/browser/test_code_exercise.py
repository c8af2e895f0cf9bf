"""A code exercise in Chromium: write code in the CodeMirror editor, run it and fail a test,
fix it, submit it, and the lesson completes."""

from typing import Any

import pytest

from agora.catalog.models import LessonType
from agora.learning.models import LessonProgress
from tests.accounts.factories import UserFactory
from tests.browser.conftest import overflow
from tests.browser.test_catalog import sign_in
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, enroll

pytestmark = pytest.mark.browser


@pytest.fixture
def exercise(transactional_db: Any, live_server: Any, settings: Any) -> Any:
    settings.SITE_URL = live_server.url
    course = CourseFactory(price=0, title="Python Warm-ups")
    module = ModuleFactory(course=course, title="Basics")
    return LessonFactory(
        module=module,
        type=LessonType.CODE,
        title="Double it",
        body="Read a number and print it doubled.",
        code_language="python",
        starter_code="n = int(input())\n",
        code_tests=[
            {"name": "small", "stdin": "21\n", "expected_stdout": "42\n", "hidden": False},
            {"name": "large", "stdin": "5000\n", "expected_stdout": "10000\n", "hidden": True},
        ],
    )


def test_write_run_fail_fix_submit_complete(page, live_server, exercise, screenshot):
    learner = UserFactory(email="coder@example.com")
    enroll(learner, exercise.module.course)
    sign_in(page, learner.email)

    page.goto(f"/learn/{exercise.module.course.slug}/lessons/{exercise.pk}/")
    editor = page.locator("#code-editor .cm-content")
    editor.wait_for()
    assert page.locator("#code-input").is_hidden()  # the editor took over the textarea
    assert "n = int(input())" in editor.inner_text()

    # Write a wrong program: adds instead of doubling.
    editor.click()
    page.keyboard.press("End")
    page.keyboard.press("ArrowDown")
    page.keyboard.type("print(n + 1)")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("not all passed").wait_for()
    row = page.locator("table.code-results tbody tr").first
    assert "wrong answer" in row.inner_text()
    assert "22" in row.inner_text()
    assert "large" not in page.locator("#code-run").inner_text()  # Run: visible tests only
    screenshot(page, "code-exercise-failed")

    # Fix it and submit: every test, hidden ones too.
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("n = int(input())\nprint(n * 2)")
    # Highlighted as Python: the number literal gets a styled span.
    number = page.locator("#code-editor .cm-line span", has_text="2").last
    assert number.evaluate("e => getComputedStyle(e).color") != editor.evaluate(
        "e => getComputedStyle(e).color"
    )
    page.get_by_role("button", name="Submit", exact=True).click()
    page.get_by_text("Every test passed").wait_for()
    page.get_by_text("Lesson completed").wait_for()
    assert "large" in page.locator("#code-run").inner_text()
    assert "10000" not in page.locator("#code-run").inner_text()  # hidden: no output shown
    progress = LessonProgress.objects.get(user=learner, lesson=exercise)
    assert progress.completed_at is not None
    screenshot(page, "code-exercise-passed")


def test_the_exercise_fits_a_phone(mobile_page, live_server, exercise, screenshot):
    learner = UserFactory(email="phone-coder@example.com")
    enroll(learner, exercise.module.course)
    sign_in(mobile_page, learner.email)

    mobile_page.goto(f"/learn/{exercise.module.course.slug}/lessons/{exercise.pk}/")
    mobile_page.locator("#code-editor .cm-content").wait_for()

    assert overflow(mobile_page) <= 0
    box = mobile_page.locator("#code-editor").bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= mobile_page.viewport_size["width"]
    screenshot(mobile_page, "code-exercise-phone")
