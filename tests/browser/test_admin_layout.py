"""Admin and instructor forms at a laptop's width: filter bars keep usable fields and
buttons their own width."""

from typing import Any

import pytest

from tests.accounts.factories import UserFactory
from tests.browser.conftest import browsing, overflow
from tests.browser.test_catalog import sign_in
from tests.catalog.factories import CourseFactory

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}


def test_filter_bars_are_not_crushed(browser, live_server, transactional_db: Any, screenshot):
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    course = CourseFactory(owner=admin)
    with browsing(browser, live_server, viewport=LAPTOP) as page:
        sign_in(page, admin.email)
        page.goto("/admin-console/transactions/")
        screenshot(page, "admin-transactions-filters")
        for name in ("kind", "date_from", "date_to"):
            width = page.locator(f"form.filters [name={name}]").bounding_box()["width"]
            assert width >= 200, f"the {name} field is {width:.0f} px wide"
        button = page.locator("form.filters button[type=submit]").bounding_box()
        assert button["width"] < 300
        assert button["height"] < 70
        assert overflow(page) <= 0
        screenshot(page, "admin-transactions-filters")

        page.goto(f"/studio/courses/{course.pk}/students/")
        search = page.locator(".students-search button[type=submit]").bounding_box()
        assert search["width"] < 300, "the search button is a full-width bar"
