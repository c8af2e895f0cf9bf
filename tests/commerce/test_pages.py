"""The commerce pages with Django's client: buying from the course page, the cart, checkout
with coupon and tax, the order page, purchase history (invoice, refund) and earnings."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from agora.catalog import access
from agora.commerce.models import Coupon, LedgerEntry, Order, TaxRate
from agora.commerce.services import checkout, payments
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.conftest import HTMX, client_for

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The page's words, without tags, in single spaces."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def buyer(db):
    return UserFactory(email="buyer@example.com")


@pytest.fixture
def course(db):
    return published_course(price=2000, title="Knots at Sea")


def paid_order(buyer, course, capture) -> Order:
    result = checkout.checkout(buyer=buyer, course_ids=[course.pk])
    with capture(execute=True):
        payments.demo_outcome(payment_id=result.order.provider_payment_id, succeed=True)
    result.order.refresh_from_db()
    assert result.order.status == "paid"
    return result.order


class TestCourseButtons:
    def test_a_learner_sees_buy_now_and_add_to_cart(self, buyer, course):
        html = client_for(buyer).get(f"/courses/{course.slug}/").content.decode()

        assert f'action="/checkout/buy/{course.pk}/"' in html
        assert ">Buy now</button>" in html
        assert "Add to cart" in html

    def test_anonymous_visitors_are_sent_to_sign_in(self, course):
        html = client_for().get(f"/courses/{course.slug}/").content.decode()

        assert f'href="/accounts/login/?next=/courses/{course.slug}/"' in html
        response = client_for().post(f"/checkout/buy/{course.pk}/")
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next=/courses/{course.slug}/"
        assert Order.objects.count() == 0

    def test_an_owner_sees_go_to_course(self, buyer, course, django_capture_on_commit_callbacks):
        paid_order(buyer, course, django_capture_on_commit_callbacks)

        text = text_of(client_for(buyer).get(f"/courses/{course.slug}/"))

        assert "Go to course" in text
        assert "Buy now" not in text

    def test_the_instructor_sees_edit_in_studio(self, course):
        text = text_of(client_for(course.owner).get(f"/courses/{course.slug}/"))

        assert "Edit in studio" in text
        assert "Buy now" not in text

    def test_buy_now_redirects_to_the_pay_page(self, buyer, course):
        response = client_for(buyer).post(f"/checkout/buy/{course.pk}/")

        order = Order.objects.get()
        assert response.status_code == 302
        assert response["Location"] == order.checkout_url
        assert "/pay/demo/" in order.checkout_url
        assert (order.buyer, order.total) == (buyer, 2000)

    def test_enroll_for_free_enrolls_at_once(self, buyer, django_capture_on_commit_callbacks):
        free = published_course(price=0)
        client = client_for(buyer)
        assert "Enroll for free" in text_of(client.get(f"/courses/{free.slug}/"))

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/checkout/buy/{free.pk}/", follow=True)

        assert access.has_learner_access(buyer, free)
        assert Order.objects.get().status == "paid"
        assert "You are enrolled" in text_of(response)

    def test_buying_an_owned_course_says_so(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        paid_order(buyer, course, django_capture_on_commit_callbacks)

        response = client_for(buyer).post(f"/checkout/buy/{course.pk}/", follow=True)

        assert "You already have access to “Knots at Sea”." in text_of(response)
        assert Order.objects.count() == 1

    def test_an_unpublished_course_cannot_be_bought(self, buyer, course):
        course.status = "draft"
        course.save()

        response = client_for(buyer).post(f"/checkout/buy/{course.pk}/")

        assert response.status_code == 404
        assert Order.objects.count() == 0


class TestCart:
    def test_add_and_remove_with_htmx(self, buyer, course):
        other = published_course(price=500, title="Sails")
        client = client_for(buyer)

        added = client.post(f"/cart/add/{course.pk}/", headers=HTMX)
        client.post(f"/cart/add/{other.pk}/", headers=HTMX)
        assert added.status_code == 200
        assert "is in your cart" in text_of(added)
        assert 'hx-swap-oob="true"' in added.content.decode()
        page = text_of(client.get("/cart/"))
        assert "Knots at Sea 20.00 USD" in page
        assert "Sails 5.00 USD" in page
        assert "Total before coupon and tax 25.00 USD" in page

        removed = client.post(f"/cart/remove/{course.pk}/", headers=HTMX)

        assert removed.status_code == 200
        assert "Knots at Sea" not in text_of(removed)
        assert "Total before coupon and tax 5.00 USD" in text_of(removed)
        assert client.session["cart"] == [other.pk]

    def test_without_htmx_adding_goes_to_the_cart(self, course):
        client = client_for()

        response = client.post(f"/cart/add/{course.pk}/")

        assert response.status_code == 302
        assert response["Location"] == "/cart/"
        assert client.session["cart"] == [course.pk]

    def test_mixed_currencies_are_explained(self, buyer, course):
        euros = published_course(price=900, currency="EUR")
        client = client_for(buyer)
        client.post(f"/cart/add/{course.pk}/")
        client.post(f"/cart/add/{euros.pk}/")

        text = text_of(client.get("/cart/"))

        assert "priced in EUR and USD" in text
        assert "Go to checkout" not in text

    def test_an_unpublished_course_cannot_be_added(self, buyer, course):
        course.status = "draft"
        course.save()
        client = client_for(buyer)

        assert client.post(f"/cart/add/{course.pk}/").status_code == 404
        assert "cart" not in client.session

    def test_owned_courses_leave_the_cart(self, buyer, course, django_capture_on_commit_callbacks):
        client = client_for(buyer)
        client.post(f"/cart/add/{course.pk}/")
        paid_order(buyer, course, django_capture_on_commit_callbacks)

        text = text_of(client.get("/cart/"))

        assert "You already have “Knots at Sea”: it left your cart." in text
        assert "Your cart is empty." in text

    def test_the_order_page_takes_what_was_bought_out_of_the_cart(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        client = client_for(buyer)
        client.post(f"/cart/add/{course.pk}/")
        assert "1" in client.get("/").content.decode().split('id="cart-count"')[1][:200]
        order = paid_order(buyer, course, django_capture_on_commit_callbacks)

        polled = client.get(f"/orders/{order.pk}/", headers={"HX-Request": "true"})

        assert client.session["cart"] == []
        assert 'id="cart-count" hx-swap-oob="true"' in polled.content.decode()
        header = client.get("/").content.decode().split('id="cart-count"')[1][:200]
        assert "badge" not in header


class TestCheckoutPage:
    @pytest.fixture
    def client(self, buyer, course):
        client = client_for(buyer)
        client.post(f"/cart/add/{course.pk}/")
        return client

    def test_needs_sign_in(self, course):
        response = client_for().get("/checkout/")

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/checkout/")

    def test_shows_providers_countries_and_the_total(self, client):
        TaxRate.objects.create(country="DE", name="VAT", basis_points=1900)

        text = text_of(client.get("/checkout/"))

        assert "Pay with" in text
        assert "Demo (offline sandbox" in text
        assert "Germany (VAT 19%)" in text
        assert "Total 20.00 USD" in text

    def test_coupon_and_tax_are_checked_live(self, client, buyer, course):
        TaxRate.objects.create(country="DE", name="VAT", basis_points=1900)
        Coupon.objects.create(code="HALF", percent_off=50, created_by=course.owner)

        response = client.post(
            "/checkout/summary/",
            {"provider": "demo", "coupon": "half", "country": "DE"},
            headers=HTMX,
        )

        text = text_of(response)
        assert "Coupon HALF applied: 10.00 USD off." in text
        assert "Tax (19% DE) 1.90 USD" in text
        assert "Total 11.90 USD" in text

    @pytest.mark.parametrize(
        ("coupon_fields", "message"),
        [
            ({"expires_at": timezone.now() - timedelta(days=1)}, "This coupon has expired."),
            ({"max_uses": 1, "uses": 1}, "This coupon has been used up."),
            ({"amount_off": 100, "percent_off": None, "currency": "EUR"}, "does not apply"),
        ],
    )
    def test_coupon_refusals_are_named(self, client, course, coupon_fields, message):
        fields = {"code": "NOPE", "percent_off": 10, "created_by": course.owner, **coupon_fields}
        Coupon.objects.create(**fields)

        response = client.post("/checkout/summary/", {"coupon": "NOPE"}, headers=HTMX)

        assert message in text_of(response)
        assert "Total 20.00 USD" in text_of(response)

    def test_pay_creates_the_order_with_coupon_and_tax(self, client, buyer, course):
        TaxRate.objects.create(country="DE", name="VAT", basis_points=1900)
        Coupon.objects.create(code="HALF", percent_off=50, created_by=course.owner)

        response = client.post(
            "/checkout/", {"provider": "demo", "coupon": "HALF", "country": "DE"}
        )

        order = Order.objects.get()
        assert response.status_code == 302
        assert response["Location"] == order.checkout_url
        assert (order.subtotal, order.discount, order.tax, order.total) == (2000, 1000, 190, 1190)
        assert (order.buyer, order.coupon.code, order.tax_country) == (buyer, "HALF", "DE")

    def test_a_refused_coupon_creates_no_order(self, client, course):
        Coupon.objects.create(
            code="OLD",
            percent_off=10,
            created_by=course.owner,
            expires_at=timezone.now() - timedelta(days=1),
        )

        response = client.post("/checkout/", {"provider": "demo", "coupon": "OLD"})

        assert response.status_code == 200
        assert "This coupon has expired." in text_of(response)
        assert Order.objects.count() == 0

    def test_a_course_unpublished_after_adding_leaves_the_checkout(self, client, course):
        course.status = "draft"
        course.save()

        response = client.post("/checkout/", {"provider": "demo"})

        assert "your cart is empty" in text_of(response)
        assert Order.objects.count() == 0


class TestOrderPages:
    def test_the_buyer_sees_a_pending_order_that_polls(self, buyer, course):
        order = checkout.checkout(buyer=buyer, course_ids=[course.pk]).order

        html = client_for(buyer).get(f"/orders/{order.pk}/").content.decode()

        assert 'hx-trigger="every 2s"' in html
        assert "Waiting for the payment" in html

    def test_the_polled_fragment_stops_once_paid(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        order = paid_order(buyer, course, django_capture_on_commit_callbacks)

        response = client_for(buyer).get(f"/orders/{order.pk}/", headers=HTMX)

        html = response.content.decode()
        assert "<html" not in html
        assert "every 2s" not in html
        assert "Paid" in html
        assert f"/orders/{order.pk}/invoice/" in html

    def test_others_get_404_and_admins_see_it(self, buyer, course):
        order = checkout.checkout(buyer=buyer, course_ids=[course.pk]).order

        assert client_for(UserFactory()).get(f"/orders/{order.pk}/").status_code == 404
        assert client_for(UserFactory(is_staff=True)).get(f"/orders/{order.pk}/").status_code == 200
        assert client_for(buyer).get("/orders/999999/").status_code == 404
        assert client_for().get(f"/orders/{order.pk}/").status_code == 302

    def test_history_lists_orders_with_invoice_and_refund(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        order = paid_order(buyer, course, django_capture_on_commit_callbacks)

        html = client_for(buyer).get("/orders/").content.decode()

        assert f"Order {order.number}" in html
        assert f'href="/orders/{order.pk}/invoice/"' in html
        assert f'action="/orders/{order.pk}/refund/"' in html
        assert "data-confirm=" in html

    def test_invoice_download_is_a_pdf_for_the_buyer_only(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        order = paid_order(buyer, course, django_capture_on_commit_callbacks)

        response = client_for(buyer).get(f"/orders/{order.pk}/invoice/")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert order.number in response["Content-Disposition"]
        assert client_for(UserFactory()).get(f"/orders/{order.pk}/invoice/").status_code == 404

    def test_no_invoice_before_payment(self, buyer, course):
        order = checkout.checkout(buyer=buyer, course_ids=[course.pk]).order

        response = client_for(buyer).get(f"/orders/{order.pk}/invoice/")

        assert response.status_code == 409

    def test_refund_reverses_the_sale_and_ends_access(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        order = paid_order(buyer, course, django_capture_on_commit_callbacks)

        response = client_for(buyer).post(
            f"/orders/{order.pk}/refund/", {"reason": "Not for me"}, follow=True
        )

        order.refresh_from_db()
        assert (order.status, order.refund_reason) == ("refunded", "Not for me")
        assert not access.has_learner_access(buyer, course)
        assert f"Order {order.number} is refunded" in text_of(response)

    def test_refund_after_the_window_is_refused(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        order = paid_order(buyer, course, django_capture_on_commit_callbacks)
        Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=31))
        entries = LedgerEntry.objects.count()

        response = client_for(buyer).post(f"/orders/{order.pk}/refund/", follow=True)

        order.refresh_from_db()
        assert order.status == "paid"
        assert "Refunds are possible for 30 days after purchase." in text_of(response)
        assert LedgerEntry.objects.count() == entries
        assert access.has_learner_access(buyer, course)

    def test_someone_elses_refund_is_404(self, buyer, course, django_capture_on_commit_callbacks):
        order = paid_order(buyer, course, django_capture_on_commit_callbacks)

        response = client_for(UserFactory()).post(f"/orders/{order.pk}/refund/")

        assert response.status_code == 404
        order.refresh_from_db()
        assert order.status == "paid"

    def test_the_demo_done_page_links_to_the_order(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        order = checkout.checkout(buyer=buyer, course_ids=[course.pk]).order

        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(buyer).post(
                f"/pay/demo/{order.provider_payment_id}/", {"outcome": "succeed"}
            )

        assert "Payment sent" in text_of(response)
        assert f'href="/orders/{order.pk}/"' in response.content.decode()


class TestEarnings:
    def test_shows_balances_and_a_chart(self, buyer, course, django_capture_on_commit_callbacks):
        paid_order(buyer, course, django_capture_on_commit_callbacks)

        response = client_for(course.owner).get("/studio/earnings/?period=week")

        text = text_of(response)
        # 20.00 USD less the default 20% commission, in escrow.
        assert "Pending 16.00 USD" in text
        assert "Available Free" in text or "Available 0" in text
        assert "Lifetime 16.00 USD" in text
        assert "Week of" in text
        assert 'class="bar bar-w-100"' in response.content.decode()

    @pytest.mark.parametrize("period", ["day", "month", "nonsense"])
    def test_every_period_renders(self, course, period):
        response = client_for(course.owner).get(f"/studio/earnings/?period={period}")

        assert response.status_code == 200
        assert "No sales in this period yet." in text_of(response)

    def test_learners_are_sent_to_the_studio(self, buyer):
        response = client_for(buyer).get("/studio/earnings/")

        assert response.status_code == 302
        assert response["Location"] == "/studio/"

    def test_needs_sign_in(self, db):
        assert client_for().get("/studio/earnings/").status_code == 302


def test_the_studio_lists_each_courses_learners_rating_and_sales(db):
    from agora.commerce.services import refunds
    from tests.commerce.factories import paid_order as pay_for

    teacher = UserFactory(is_instructor=True)
    course = published_course(owner=teacher, title="Rigging", price=1999)
    published_course(owner=teacher, title="Unsold", price=999)
    kept = pay_for(buyer=UserFactory(), course=course)
    refunded = pay_for(buyer=UserFactory(), course=course)
    refunds.request_refund(actor=UserFactory(is_staff=True), order=refunded, reason="Asked")

    text = text_of(client_for(teacher).get("/studio/"))

    assert kept.total == 1999
    assert "1 learner No ratings yet 1 sale: 19.99 USD" in text
    assert "0 learners No ratings yet 0 sales" in text


class TestCouponLinks:
    @pytest.fixture
    def sale(self, db):
        from agora.commerce.services import coupons

        teacher = UserFactory(is_instructor=True)
        course = published_course(owner=teacher, title="Rigging", price=2000)
        other = published_course(owner=teacher, title="Anchoring", price=1000)
        coupons.create_coupon(creator=teacher, code="LAUNCH", percent_off=25, course_id=course.pk)
        return course, other

    def test_a_coupon_in_the_address_shows_the_price_after_it(self, sale):
        course, _ = sale
        text = text_of(client_for().get(f"/courses/{course.slug}/?coupon=launch"))
        assert "15.00 USD instead of 20.00 USD" in text
        assert "Coupon LAUNCH" in text
        assert "25% off" in text

    @pytest.mark.parametrize("query", ["", "?coupon=NOPE", "?coupon="])
    def test_no_or_an_unknown_coupon_shows_the_list_price(self, sale, query):
        course, _ = sale
        text = text_of(client_for().get(f"/courses/{course.slug}/{query}"))
        assert "instead of" not in text
        assert "20.00 USD" in text

    def test_a_coupon_for_another_course_does_not_apply(self, sale):
        _, other = sale
        text = text_of(client_for().get(f"/courses/{other.slug}/?coupon=LAUNCH"))
        assert "instead of" not in text

    def test_buying_from_that_page_uses_the_coupon(self, sale, buyer):
        course, _ = sale
        browser = client_for(buyer)
        page = browser.get(f"/courses/{course.slug}/?coupon=LAUNCH").content.decode()
        assert 'name="coupon" value="LAUNCH"' in page
        browser.post(f"/checkout/buy/{course.pk}/", {"coupon": "LAUNCH"})
        order = Order.objects.get(buyer=buyer)
        assert (order.subtotal, order.discount) == (2000, 500)
        assert order.coupon.code == "LAUNCH"
