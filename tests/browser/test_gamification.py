"""XP in Chromium: a learner completes a lesson in the player, the toast says what it earned
(over the live socket), My progress shows the level bar moved on to the next level, and the
course leaderboard lists them with their rank. Served by uvicorn (websockets), as `make run`
does."""

from types import SimpleNamespace
from typing import Any

import pytest

from agora.catalog.models import Lesson
from agora.gamification import services
from agora.gamification.models import Rule
from tests.browser.conftest import DESKTOP, MOBILE, browsing
from tests.browser.test_messaging import sign_in
from tests.conftest import PASSWORD
from tests.live.test_processes import Processes, processes  # noqa: F401 - fixture
from tests.messaging.factories import course_with_people

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_a_lesson_earns_xp_a_toast_a_level_and_a_place_on_the_board(
    browser: Any,
    processes: Processes,  # noqa: F811
    screenshot: Any,
    settings: Any,
) -> None:
    course, _, _, (learner, rival) = course_with_people()
    first = Lesson.objects.filter(module__course=course).order_by("position").first()
    Lesson.objects.create(module=first.module, title="Glazing", type="text", position=2, body="Hi")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    learner.set_password(PASSWORD)
    learner.save(update_fields=["password"])
    # 90 XP before: one lesson (10 XP) more is level 2.
    for index in range(9):
        services.award(
            user=learner, rule=Rule.LESSON_COMPLETED, object_type="past", object_id=index
        )
    for index in range(20):
        services.award(
            user=rival,
            rule=Rule.LESSON_COMPLETED,
            object_type="past",
            object_id=index,
            course_id=course.pk,
        )
    server = SimpleNamespace(url=f"http://127.0.0.1:{processes.server('web')}")

    with browsing(browser, server, viewport=DESKTOP) as page:
        sign_in(page, learner.email)
        page.goto("/me/progress/")
        assert page.locator("#my-level").inner_text() == "1"
        assert page.locator("#level-bar").get_attribute("value") == "90"

        # My progress stays open in another tab while the learner studies in this one.
        progress = page.context.new_page()
        progress.goto("/me/progress/")
        page.goto(f"/learn/{course.slug}/lessons/{first.pk}/")
        page.wait_for_timeout(500)  # both sockets are open
        page.get_by_role("button", name="Mark as complete").click()
        toast = page.locator("#xp-toast")
        toast.wait_for()
        assert "+10 XP" in toast.inner_text()
        assert "level 2" in toast.inner_text()
        screenshot(page, "gamification-toast")
        # The open tab's level and bar moved without a reload.
        progress.wait_for_function("() => document.getElementById('my-level').textContent === '2'")
        assert progress.locator("#level-bar").evaluate("bar => bar.value") == 0
        assert progress.locator("#my-xp").inner_text() == "100"
        progress.close()

        page.goto("/me/progress/")
        assert page.locator("#my-level").inner_text() == "2"
        assert page.locator("#level-bar").get_attribute("value") == "0"
        assert page.get_by_text("First step").first.is_visible()
        screenshot(page, "gamification-progress-desktop")

    with browsing(browser, server, viewport=MOBILE, is_mobile=True, has_touch=True) as phone:
        sign_in(phone, learner.email)
        phone.goto(f"/leaderboards/?course={course.pk}")
        assert "You are #2 with 10 XP." in phone.locator("#my-rank").inner_text()
        mine = phone.locator(".leaderboard li.is-me")
        assert learner.name in mine.inner_text()
        screenshot(phone, "gamification-leaderboard-phone")
