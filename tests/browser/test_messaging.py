"""Two people in two browsers: a message typed in one appears in the other without a reload,
and the bell rings. The pages are served by a real ASGI server (uvicorn), as `make run`
does, since the test server Django offers has no websockets."""

from types import SimpleNamespace
from typing import Any

import pytest

from agora.messaging import services
from agora.notifications.models import Notification
from tests.browser.conftest import DESKTOP, MOBILE, browsing
from tests.conftest import PASSWORD
from tests.live.test_processes import Processes, processes  # noqa: F401 - fixture
from tests.messaging.factories import course_with_people

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def sign_in(page: Any, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form.stacked-form button[type=submit]").first.click()


def test_a_message_typed_in_one_browser_appears_in_the_other(
    browser: Any,
    processes: Processes,  # noqa: F811
    screenshot: Any,
    settings: Any,
) -> None:
    course, owner, _, (learner, _) = course_with_people()
    # The server runs the real settings, whose hashers do not include the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for person in (owner, learner):
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])
    conversation, _ = services.start_direct(learner, owner)
    server = SimpleNamespace(url=f"http://127.0.0.1:{processes.server('web')}")
    thread = f"/messages/{conversation.pk}/"

    with (
        browsing(browser, server, viewport=DESKTOP) as learner_page,
        browsing(browser, server, viewport=MOBILE, is_mobile=True, has_touch=True) as owner_page,
    ):
        sign_in(learner_page, learner.email)
        sign_in(owner_page, owner.email)
        owner_page.goto("/")
        learner_page.goto(thread)
        # Both sockets are open before anyone types.
        learner_page.wait_for_function("() => document.body.dataset.live === 'on'")
        owner_page.wait_for_timeout(500)
        learner_page.wait_for_timeout(500)

        learner_page.get_by_label("Message").fill("Will the recordings stay up?")
        learner_page.get_by_role("button", name="Send").click()

        # The learner's own thread shows it (acknowledged over the socket, no reload) …
        learner_page.locator("#messages").get_by_text("Will the recordings stay up?").wait_for()
        assert learner_page.url.endswith(thread)
        # … and the instructor, on another page, sees the bell ring without a reload.
        owner_page.locator("#notification-count:not([hidden])").wait_for()
        assert owner_page.locator("#notification-count").inner_text() == "1"
        owner_page.goto(thread)
        owner_page.get_by_label("Message").fill("Yes, for a year.")
        owner_page.get_by_role("button", name="Send").click()
        learner_page.locator("#messages").get_by_text("Yes, for a year.").wait_for()

        screenshot(learner_page, "messaging-thread-desktop")
        screenshot(owner_page, "messaging-thread-phone")

        # The course chat, from the player's chat tab, reaches the instructor's chat page.
        owner_page.goto(f"/courses/{course.slug}/chat/")
        learner_page.goto(f"/learn/{course.slug}/")
        learner_page.locator("#player-chat summary").click()
        learner_page.get_by_label("Message to the course").fill("Is the quiz open-book?")
        learner_page.get_by_role("button", name="Send").click()
        owner_page.locator("#messages").get_by_text("Is the quiz open-book?").wait_for()
        learner_page.locator("#messages").get_by_text("Is the quiz open-book?").wait_for()
        screenshot(learner_page, "messaging-player-chat-desktop")

        owner_page.goto("/notifications/")
        owner_page.get_by_text("New message from Learner 0").wait_for()
        screenshot(owner_page, "notifications-list-phone")
        learner_page.goto("/settings/notifications/")
        learner_page.get_by_role("checkbox", name="A sale of my course by email").uncheck()
        learner_page.get_by_role("button", name="Save settings").click()
        learner_page.get_by_text("Your notification settings are saved.").wait_for()
        screenshot(learner_page, "notifications-settings-desktop")
    assert Notification.objects.filter(user=owner, kind="message").count() == 1
