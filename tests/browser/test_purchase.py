"""Buying a course in Chromium through the demo provider: the course page, the demo pay page,
the order page turning paid, the invoice, and a refund that ends access. The live server
commits for real, so the webhook's on-commit job runs (eagerly) as it would in production."""

import re
from pathlib import Path
from typing import Any

import pytest

from agora.catalog import access
from agora.commerce.models import Order, TaxRate
from tests.accounts.factories import UserFactory
from tests.browser.conftest import MOBILE
from tests.browser.test_catalog import sign_in
from tests.commerce.factories import published_course

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(transactional_db: Any, live_server: Any, settings: Any) -> dict[str, Any]:
    # The demo provider's pay page lives on this site: point its links at the live server.
    settings.SITE_URL = live_server.url
    return {
        "learner": UserFactory(email="learner@example.com", name="Lena Learner"),
        "course": published_course(price=2000, title="Knots at Sea"),
        "other": published_course(price=900, title="Sails and Wind"),
    }


def test_a_learner_buys_gets_access_downloads_the_invoice_and_refunds(
    page, live_server, shop, screenshot
):
    learner, course = shop["learner"], shop["course"]
    sign_in(page, learner.email)

    page.goto(f"/courses/{course.slug}/")
    screenshot(page, "purchase-course-page")
    with page.expect_navigation():
        page.get_by_role("button", name="Buy now").click()
    assert "/pay/demo/" in page.url
    screenshot(page, "purchase-demo-pay")
    with page.expect_navigation():
        page.get_by_role("button", name="Pay 20.00 USD").click()
    page.get_by_role("heading", name="Payment sent").wait_for()
    with page.expect_navigation():
        page.get_by_role("link", name="See your order").click()

    order = Order.objects.get(buyer=learner)
    assert page.url.endswith(f"/orders/{order.pk}/")
    page.locator(".order-state-paid").wait_for()  # polls until the webhook's job is done
    screenshot(page, "purchase-order-paid")
    assert access.has_learner_access(learner, course)

    page.goto(f"/courses/{course.slug}/")
    assert page.get_by_role("link", name="Go to course").is_visible()
    assert page.get_by_role("button", name="Buy now").count() == 0

    page.goto("/orders/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Invoice \\(PDF\\)")).click()
    download = download_info.value
    assert download.suggested_filename == f"agora-invoice-{order.number}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    page.get_by_text("Refund…").click()
    page.get_by_label("Why are you asking for a refund?").fill("Changed my mind")
    screenshot(page, "purchase-history-refund")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Refund 20.00 USD").click()
    assert page.get_by_text(f"Order {order.number} is refunded").is_visible()

    order.refresh_from_db()
    assert order.status == "refunded"
    assert not access.has_learner_access(learner, course)
    page.goto(f"/courses/{course.slug}/")
    assert page.get_by_role("button", name="Buy now").is_visible()


def test_cart_and_checkout_with_coupon_and_tax(page, live_server, shop, screenshot):
    TaxRate.objects.create(country="DE", name="VAT", basis_points=1900)
    from agora.commerce.models import Coupon

    Coupon.objects.create(code="HALF", percent_off=50, created_by=shop["course"].owner)
    sign_in(page, shop["learner"].email)

    for course in (shop["course"], shop["other"]):
        page.goto(f"/courses/{course.slug}/")
        page.get_by_role("button", name="Add to cart").click()
        page.get_by_text("is in your cart").wait_for()
    assert page.locator("#cart-count").inner_text().startswith("Cart")

    page.goto("/cart/")
    assert "29.00 USD" in page.locator("#cart-contents tfoot").inner_text()
    page.get_by_role("button", name=re.compile("Remove.*Sails and Wind")).click()
    page.get_by_role("link", name="Sails and Wind").wait_for(state="detached")
    assert "20.00 USD" in page.locator("#cart-contents tfoot").inner_text()
    screenshot(page, "purchase-cart")

    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_label("Country you live in").select_option("DE")
    page.get_by_text("Tax (19% DE)").wait_for()
    page.get_by_label("Coupon code").fill("nope")
    page.get_by_text("There is no such coupon.").wait_for()
    page.get_by_label("Coupon code").fill("half")
    page.get_by_text("Coupon HALF applied: 10.00 USD off.").wait_for()
    assert "11.90 USD" in page.locator("#checkout-summary tfoot").inner_text()
    screenshot(page, "purchase-checkout")
    with page.expect_navigation():
        page.get_by_role("button", name="Pay 11.90 USD").click()
    assert "/pay/demo/" in page.url
    order = Order.objects.get(buyer=shop["learner"])
    assert (order.discount, order.tax, order.total) == (1000, 190, 1190)


def test_pages_fit_a_phone(mobile_page, live_server, shop, screenshot):
    owner = shop["course"].owner
    sign_in(mobile_page, owner.email)
    mobile_page.goto("/studio/earnings/")
    assert mobile_page.get_by_role("heading", name="Earnings").is_visible()
    screenshot(mobile_page, "purchase-earnings-mobile")
    width = mobile_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= MOBILE["width"]
