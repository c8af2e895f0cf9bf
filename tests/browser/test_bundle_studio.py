"""An instructor makes a bundle in the studio and finds it in the store; the studio's bundle
pages at desktop and phone widths."""

from typing import Any

import pytest

from agora.commerce.models import Bundle
from agora.commerce.services import bundles
from tests.accounts.factories import UserFactory
from tests.browser.conftest import overflow
from tests.browser.test_catalog import sign_in
from tests.commerce.factories import published_course

pytestmark = pytest.mark.browser


@pytest.fixture
def teacher(transactional_db: Any, live_server: Any) -> Any:
    teacher = UserFactory(is_instructor=True, name="Tess Teacher", email="tess@example.com")
    for title, price in [
        ("Knots at Sea", 2000),
        ("Sails and Wind", 3000),
        ("Navigating by the Stars over the Southern Ocean, a Complete Guide", 4500),
    ]:
        published_course(price=price, title=title, owner=teacher)
    published_course(price=2500, title="Someone Else's Course")
    return teacher


def test_instructor_creates_a_bundle_in_the_studio_and_it_is_on_sale(
    page, mobile_page, live_server, teacher, screenshot
):
    sign_in(page, teacher.email)
    page.goto("/studio/")
    with page.expect_navigation():
        page.locator(".page-actions").get_by_role("link", name="Bundles").click()
    page.get_by_text("You have no bundles yet").wait_for()
    with page.expect_navigation():
        page.get_by_role("link", name="New bundle").click()
    assert page.get_by_text("Someone Else's Course").count() == 0

    # A price at the list prices added up is refused next to the field; nothing is written.
    page.get_by_label("Title").fill("Sailor's pair")
    page.get_by_label("Knots at Sea").check()
    page.get_by_label("Sails and Wind").check()
    page.get_by_label("Bundle price").fill("50")
    with page.expect_navigation():
        page.get_by_role("button", name="Create bundle").click()
    error = page.locator("#id_price_error")
    assert "A bundle costs less than its courses bought one by one (50.00 USD)." in (
        error.inner_text()
    )
    assert Bundle.objects.count() == 0
    screenshot(page, "bundle-studio-form-error")

    page.get_by_label("Bundle price").fill("40")
    with page.expect_navigation():
        page.get_by_role("button", name="Create bundle").click()
    assert page.url == f"{live_server.url}/studio/bundles/"
    page.get_by_text("“Sailor's pair” is on sale.").wait_for()
    bundle = Bundle.objects.get()
    assert (bundle.price, bundle.currency, bundle.created_by_id) == (4000, "USD", teacher.pk)
    assert [c.title for c in bundles.bundle_courses(bundle)] == ["Knots at Sea", "Sails and Wind"]
    assert page.get_by_text("save 20%").is_visible()
    screenshot(page, "bundle-studio-list")

    page.goto("/bundles/")
    assert page.get_by_role("link", name="Sailor's pair").is_visible()
    screenshot(page, "bundle-studio-public-list")

    sign_in(mobile_page, teacher.email)
    for path, name in [
        ("/studio/bundles/", "bundle-studio-list-mobile"),
        ("/studio/bundles/new/", "bundle-studio-new-mobile"),
        (f"/studio/bundles/{bundle.pk}/", "bundle-studio-edit-mobile"),
    ]:
        mobile_page.goto(path)
        screenshot(mobile_page, name)
        assert overflow(mobile_page) <= 0, path
    page.goto(f"/studio/bundles/{bundle.pk}/")
    screenshot(page, "bundle-studio-edit")

    # Taking it off sale removes it from the store.
    with page.expect_navigation():
        page.get_by_role("button", name="Take off sale").click()
    page.get_by_text("Inactive").wait_for()
    page.goto("/bundles/")
    assert page.get_by_role("link", name="Sailor's pair").count() == 0
