"""Wishlist, bundles and gifts in Chromium: the heart on course cards and the wishlist page,
buying a bundle through the demo provider, and sending then redeeming a gift. Screenshots
at desktop and phone widths."""

from typing import Any

import pytest

from agora.catalog import access
from agora.commerce.models import Gift, Order, WishlistItem
from agora.commerce.services import bundles
from tests.accounts.factories import UserFactory
from tests.browser.conftest import MOBILE, browsing
from tests.browser.test_catalog import sign_in
from tests.commerce.factories import published_course

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(transactional_db: Any, live_server: Any, settings: Any) -> dict[str, Any]:
    settings.SITE_URL = live_server.url  # the demo pay page's links lead here
    teacher = UserFactory(is_instructor=True, name="Tess Teacher")
    knots = published_course(price=2000, title="Knots at Sea", owner=teacher)
    sails = published_course(price=3000, title="Sails and Wind", owner=teacher)
    bundle = bundles.create_bundle(
        creator=teacher,
        title="Sailor's pair",
        course_ids=[knots.pk, sails.pk],
        price=4000,
        currency="USD",
    )
    return {
        "learner": UserFactory(email="learner@example.com", name="Lena Learner"),
        "knots": knots,
        "sails": sails,
        "bundle": bundle,
    }


def pay_on_demo_page(page: Any, amount: str) -> None:
    assert "/pay/demo/" in page.url
    with page.expect_navigation():
        page.get_by_role("button", name=f"Pay {amount}").click()
    page.get_by_role("heading", name="Payment sent").wait_for()
    with page.expect_navigation():
        page.get_by_role("link", name="See your order").click()
    page.locator(".order-state-paid").wait_for()  # polls until the webhook's job is done


def test_the_heart_wishes_a_course_and_the_wishlist_page_lists_it(
    page, mobile_page, live_server, shop, screenshot
):
    learner = shop["learner"]
    sign_in(page, learner.email)

    page.goto("/courses/")
    heart = page.get_by_role("button", name="Wishlist: Knots at Sea")
    assert heart.get_attribute("aria-pressed") == "false"
    heart.click()
    page.locator('button[aria-label="Wishlist: Knots at Sea"][aria-pressed="true"]').wait_for()
    assert WishlistItem.objects.filter(user=learner, course=shop["knots"]).exists()
    # Only the heart changed: the cards around it are still there.
    assert page.locator(".course-card").count() == 2
    assert page.get_by_role("link", name="Sails and Wind").is_visible()
    screenshot(page, "commerce2-wishlist-heart")

    page.locator(".account-menu summary").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Wishlist").click()
    assert page.get_by_role("heading", name="Knots at Sea").is_visible()
    screenshot(page, "commerce2-wishlist-page")

    sign_in(mobile_page, learner.email)
    mobile_page.goto("/wishlist/")
    assert mobile_page.get_by_role("heading", name="Knots at Sea").is_visible()
    screenshot(mobile_page, "commerce2-wishlist-page-mobile")
    assert mobile_page.evaluate("() => document.documentElement.scrollWidth") <= MOBILE["width"]

    page.goto(f"/courses/{shop['sails'].slug}/")
    page.get_by_role("button", name="Wishlist: Sails and Wind").click()
    page.get_by_role("button", name="Wishlist: Sails and Wind").get_by_text(
        "On your wishlist"
    ).wait_for()
    assert WishlistItem.objects.filter(user=learner).count() == 2


def test_a_learner_buys_a_bundle_and_gets_every_course(
    page, mobile_page, live_server, shop, screenshot
):
    learner, bundle = shop["learner"], shop["bundle"]
    sign_in(page, learner.email)

    page.goto(f"/courses/{shop['knots'].slug}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Sailor's pair").click()
    assert page.get_by_role("heading", name="Sailor's pair").is_visible()
    screenshot(page, "commerce2-bundle-page")
    with page.expect_navigation():
        page.get_by_role("button", name="Buy bundle").click()
    pay_on_demo_page(page, "40.00 USD")
    screenshot(page, "commerce2-bundle-order-paid")

    order = Order.objects.get(buyer=learner)
    assert sorted(order.items.values_list("price", flat=True)) == [1600, 2400]
    assert access.has_learner_access(learner, shop["knots"])
    assert access.has_learner_access(learner, shop["sails"])

    mobile_page.goto(f"/bundles/{bundle.pk}/")
    screenshot(mobile_page, "commerce2-bundle-page-mobile")
    assert mobile_page.evaluate("() => document.documentElement.scrollWidth") <= MOBILE["width"]


def test_a_gift_is_sent_and_redeemed_by_another_account(
    page, browser, live_server, shop, screenshot
):
    giver, course = shop["learner"], shop["knots"]
    sign_in(page, giver.email)

    page.goto(f"/courses/{course.slug}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Give this course as a gift").click()
    page.get_by_label("Recipient's email").fill("pal@example.com")
    page.get_by_label("Your message").fill("Happy birthday!")
    screenshot(page, "commerce2-gift-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue to payment").click()
    pay_on_demo_page(page, "20.00 USD")
    page.get_by_text("Your gift for pal@example.com").wait_for()
    assert not access.has_learner_access(giver, course)

    gift = Gift.objects.get(order__buyer=giver)
    assert gift.status == "ready"
    friend = UserFactory(email="another.address@example.com")
    with browsing(browser, live_server, viewport=MOBILE, is_mobile=True, has_touch=True) as phone:
        phone.goto(f"/gifts/{gift.code}/")
        assert phone.get_by_text("Happy birthday!").is_visible()
        with phone.expect_navigation():
            phone.get_by_role("link", name="Sign in to redeem").click()
        phone.get_by_label("Email").fill(friend.email)
        from tests.conftest import PASSWORD

        phone.get_by_label("Password", exact=True).fill(PASSWORD)
        with phone.expect_navigation():
            phone.locator("main form button[type=submit]").first.click()
        assert f"/gifts/{gift.code}/" in phone.url
        screenshot(phone, "commerce2-gift-redeem-mobile")
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= MOBILE["width"]
        with phone.expect_navigation():
            phone.get_by_role("button", name="Redeem and start learning").click()
        assert f"/learn/{course.slug}/" in phone.url

    assert access.has_learner_access(friend, course)
    gift.refresh_from_db()
    assert gift.status == "redeemed"
    page.goto(f"/gifts/{gift.code}/")
    assert page.get_by_text("This gift has been redeemed").is_visible()
    screenshot(page, "commerce2-gift-redeemed")
