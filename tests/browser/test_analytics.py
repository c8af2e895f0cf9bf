"""Both analytics dashboards in Chromium at 1366 and 390 px: the figures and SVG charts show,
a preset and the course picker work, nothing scrolls sideways, no CSP violation."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from agora.analytics import rollups
from agora.catalog.models import CourseDailyStat
from agora.learning import services as learning
from tests.accounts.factories import UserFactory
from tests.analytics.conftest import paid_order
from tests.browser.conftest import browsing, overflow
from tests.browser.test_catalog import sign_in
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def sold(transactional_db: Any, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    ada = UserFactory(email="ada@example.com", is_instructor=True, name="Ada Lovelace")
    course = CourseFactory(owner=ada, price=4900, currency="USD", title="Practical SQL")
    module = ModuleFactory(course=course)
    lessons = [
        LessonFactory(module=module, title=title, duration_seconds=420)
        for title in ("Tables", "Joins", "Indexes")
    ]
    buyers = [UserFactory() for _ in range(4)]
    for buyer in buyers:
        paid_order(buyer, [course], capture)
    # Three watch the first lesson (two finish it), two of them go on to the second.
    for index, buyer in enumerate(buyers[:3]):
        learning.save_position(user=buyer, lesson=lessons[0], seconds=150 + index * 130,
                               spent_seconds=100)  # fmt: skip
        if index < 2:
            learning.complete_lesson(user=buyer, lesson=lessons[0])
            learning.save_position(user=buyer, lesson=lessons[1], seconds=60, spent_seconds=60)
    today = rollups.local_day(timezone.now())
    CourseDailyStat.objects.filter(course=course, day=today).update(views=37)
    rollups.refresh(first_day=today - timedelta(days=2), last_day=today)
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    return {"ada": ada, "course": course, "admin": admin}


@pytest.mark.parametrize("size", list(SIZES))
def test_instructor_dashboard(browser, live_server, sold, screenshot, size):
    with browsing(browser, live_server, viewport=SIZES[size]) as page:
        sign_in(page, sold["ada"].email)
        page.goto("/studio/analytics/")
        page.get_by_role("link", name="Last 7 days").click()
        page.wait_for_url("**preset=7d**")
        page.select_option("select[name=course]", label="Practical SQL")
        page.locator("form.analytics-course button").click()
        page.wait_for_url(f"**course={sold['course'].pk}**")

        assert "196.00 USD" in page.locator(".dashboard-figures").inner_text()
        assert page.locator("svg.chart").count() == 3
        assert page.locator("svg.chart rect.chart-bar").count() == 3 * 7
        assert page.get_by_role("rowheader", name="Joins").is_visible()
        tables = page.get_by_role("row").filter(has_text="Tables").first.inner_text()
        assert "33.3%" in tables  # three started, two completed: a third dropped off
        assert overflow(page) <= 0
        width = page.locator("svg.chart").first.bounding_box()["width"]
        assert SIZES[size]["width"] * 0.4 < width <= SIZES[size]["width"]
        screenshot(page, f"analytics-instructor-{size}")


@pytest.mark.parametrize("size", list(SIZES))
def test_admin_dashboard(browser, live_server, sold, screenshot, size):
    with browsing(browser, live_server, viewport=SIZES[size]) as page:
        sign_in(page, sold["admin"].email)
        page.goto("/admin-dashboard/")
        page.get_by_role("link", name="Analytics for any range").click()
        page.get_by_role("link", name="Last 90 days").click()
        page.wait_for_url("**preset=90d**")

        figures = page.locator(".dashboard-figures").first.inner_text()
        assert "196.00 USD" in figures
        assert page.locator("svg.chart").count() == 4
        assert page.get_by_role("rowheader", name="Practical SQL").is_visible()
        assert overflow(page) <= 0
        screenshot(page, f"analytics-admin-{size}")
