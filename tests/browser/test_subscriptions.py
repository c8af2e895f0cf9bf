"""Subscribing in Chromium: the plans page, the demo provider's pay page, the subscription
turning active once the provider's event is processed, then starting an included course
from its page. Screenshots at desktop and phone widths."""

from typing import Any

import pytest

from agora.commerce.models import Subscription
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.browser.conftest import MOBILE
from tests.browser.test_catalog import sign_in
from tests.commerce.factories import published_course
from tests.commerce.subscription_helpers import make_plan

pytestmark = pytest.mark.browser


def test_subscribe_then_start_an_included_course(
    page, mobile_page, live_server, transactional_db: Any, settings, screenshot
):
    settings.SITE_URL = live_server.url  # the demo pay page's links lead here
    make_plan(name="All access", prices={"USD": 1500})
    teacher = UserFactory(is_instructor=True, name="Tess Teacher")
    course = published_course(price=4000, title="Knots at Sea", owner=teacher, in_subscription=True)
    learner = UserFactory(email="sam@example.com", name="Sam Subscriber")
    sign_in(page, learner.email)

    page.goto("/plans/")
    screenshot(page, "subscription-plans")
    with page.expect_navigation():
        page.get_by_role("button", name="Subscribe to All access").click()
    assert "/pay/demo/" in page.url
    with page.expect_navigation():
        page.get_by_role("button", name="Pay 15.00 USD").click()
    page.get_by_role("heading", name="Payment sent").wait_for()
    with page.expect_navigation():
        page.get_by_role("link", name="See your subscription").click()

    # The provider's event is processed by a job: the page shows it active once it is.
    status = page.locator(".demo-pay-facts .badge")
    for _ in range(20):
        if status.inner_text() == "Active":
            break
        page.wait_for_timeout(250)
        page.reload()
    assert status.inner_text() == "Active"
    subscription = Subscription.objects.get(user=learner)
    assert subscription.status == "active"
    assert subscription.current_period_end is not None
    assert page.get_by_text("Paid until").is_visible()
    screenshot(page, "subscription-active")

    page.goto(f"/courses/{course.slug}/")
    assert page.get_by_text("In subscription").first.is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Start with your subscription").click()
    assert f"/learn/{course.slug}/" in page.url  # the player, at the first lesson
    enrollment = Enrollment.objects.get(learner=learner, course=course)
    assert enrollment.source == "subscription"
    screenshot(page, "subscription-course-started")

    sign_in(mobile_page, learner.email)
    mobile_page.goto("/me/subscription/")
    assert mobile_page.get_by_role("heading", name="Your subscription").is_visible()
    assert mobile_page.evaluate("() => document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot(mobile_page, "subscription-active-mobile")
