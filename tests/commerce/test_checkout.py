import json

import pytest
from django.core import mail
from django.test import Client

from agora.catalog import access
from agora.commerce.models import (
    Coupon,
    CouponRedemption,
    LedgerEntry,
    Order,
    PaymentEvent,
    TaxRate,
)
from agora.commerce.providers import demo
from agora.commerce.services import ledger, reconciliation
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.conftest import ApiClient, login_tokens


@pytest.fixture
def buyer(db):
    return UserFactory(email="buyer@example.com")


@pytest.fixture
def buyer_api(buyer):
    return ApiClient(login_tokens(buyer.email)["access"])


@pytest.fixture
def course(db):
    return published_course(price=2000)


def pay_on_demo_page(checkout_url: str, outcome: str = "succeed"):
    path = checkout_url.split("127.0.0.1:8000", 1)[-1].split("testserver", 1)[-1]
    return Client().post(path, {"outcome": outcome})


def send_webhook(body: dict, *, signature: str | None = None):
    raw = json.dumps(body).encode()
    return Client().post(
        "/api/v1/payments/webhooks/demo",
        data=raw,
        content_type="application/json",
        headers={"Demo-Signature": signature or demo.sign(raw)},
    )


def event(order: Order, kind="payment.succeeded", event_id="evt_1", amount=None, currency=None):
    return {
        "id": event_id,
        "type": kind,
        "created": 1,
        "data": {
            "payment_id": order.provider_payment_id,
            "amount": order.total if amount is None else amount,
            "currency": currency or order.currency,
        },
    }


@pytest.mark.django_db
class TestCheckout:
    def test_paid_course_gives_a_pending_order_and_a_pay_page(self, buyer_api, course):
        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "demo"})

        assert response.status_code == 201
        body = response.json()
        assert body["order"]["status"] == "pending"
        assert (
            body["order"]["subtotal"],
            body["order"]["discount"],
            body["order"]["tax"],
            body["order"]["total"],
            body["order"]["currency"],
        ) == (2000, 0, 0, 2000, "USD")
        assert body["order"]["items"] == [
            {
                "course_id": course.pk,
                "title": course.title,
                "price": 2000,
                "discount": 0,
                "bundle_id": None,
            }
        ]
        assert body["payment"]["provider"] == "demo"
        assert "/pay/demo/" in body["payment"]["checkout_url"]

    def test_tax_by_the_buyers_country_is_added(self, buyer_api, course):
        TaxRate.objects.create(country="DE", name="VAT", basis_points=1900)

        body = buyer_api.post("/checkout", {"course_ids": [course.pk], "country": "de"}).json()

        assert (body["order"]["tax"], body["order"]["total"]) == (380, 2380)

    def test_free_course_is_paid_at_once(
        self, buyer_api, buyer, django_capture_on_commit_callbacks
    ):
        free = published_course(price=0)

        with django_capture_on_commit_callbacks(execute=True):
            body = buyer_api.post("/checkout", {"course_ids": [free.pk]}).json()

        assert body["order"]["status"] == "paid"
        assert access.has_learner_access(buyer, free)
        assert LedgerEntry.objects.count() == 0

    def test_repeating_a_checkout_returns_the_same_order(self, buyer_api, course):
        first = buyer_api.post("/checkout", {"course_ids": [course.pk]}).json()
        second = buyer_api.post("/checkout", {"course_ids": [course.pk]}).json()

        assert second["order"]["id"] == first["order"]["id"]
        assert second["payment"] == first["payment"]
        assert Order.objects.count() == 1

    def test_already_owned_is_409(self, buyer_api, course, django_capture_on_commit_callbacks):
        order_id = buyer_api.post("/checkout", {"course_ids": [course.pk]}).json()["order"]["id"]
        with django_capture_on_commit_callbacks(execute=True):
            pay_on_demo_page(Order.objects.get(pk=order_id).checkout_url)

        response = buyer_api.post("/checkout", {"course_ids": [course.pk]})

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "already_owned"

    def test_unpublished_course_is_404(self, buyer_api, course):
        course.status = "draft"
        course.save()

        response = buyer_api.post("/checkout", {"course_ids": [course.pk]})

        assert response.status_code == 404
        assert Order.objects.count() == 0

    @pytest.mark.parametrize("payload", [{"course_ids": []}, {"provider": "nope"}])
    def test_bad_input_is_422(self, buyer_api, course, payload):
        response = buyer_api.post("/checkout", {"course_ids": [course.pk], **payload})

        assert response.status_code == 422
        assert Order.objects.count() == 0

    def test_one_currency_per_order(self, buyer_api, course):
        euro = published_course(price=1500, currency="EUR")

        response = buyer_api.post("/checkout", {"course_ids": [course.pk, euro.pk]})

        assert response.status_code == 422
        assert Order.objects.count() == 0

    def test_needs_a_signed_in_buyer(self, api, course):
        assert api.post("/checkout", {"course_ids": [course.pk]}).status_code == 401


@pytest.mark.django_db
class TestDemoPayment:
    def test_paying_enrolls_writes_the_ledger_and_emails_a_receipt(
        self, buyer_api, buyer, course, django_capture_on_commit_callbacks
    ):
        body = buyer_api.post("/checkout", {"course_ids": [course.pk]}).json()

        with django_capture_on_commit_callbacks(execute=True):
            response = pay_on_demo_page(body["payment"]["checkout_url"])

        assert response.status_code == 200
        order = Order.objects.get(pk=body["order"]["id"])
        assert order.status == "paid"
        assert access.has_learner_access(buyer, course)
        assert ledger.instructor_balances(instructor_id=course.owner_id) == {
            "USD": {"instructor_pending": 1600}
        }
        assert ledger.balance(account="platform_revenue", currency="USD") == -400
        assert [(m.to, m.subject) for m in mail.outbox] == [
            ([buyer.email], f"[Agora] Your order {order.number} is confirmed"),
            ([course.owner.email], f"[Agora] New sale: “{course.title}”"),
        ]
        assert buyer_api.get(f"/orders/{order.pk}").json()["status"] == "paid"

    def test_declined_card_fails_the_order(
        self, buyer_api, buyer, course, django_capture_on_commit_callbacks
    ):
        body = buyer_api.post("/checkout", {"course_ids": [course.pk]}).json()

        with django_capture_on_commit_callbacks(execute=True):
            pay_on_demo_page(body["payment"]["checkout_url"], outcome="fail")

        assert Order.objects.get(pk=body["order"]["id"]).status == "failed"
        assert not access.has_learner_access(buyer, course)
        assert LedgerEntry.objects.count() == 0


@pytest.mark.django_db
class TestWebhooks:
    @pytest.fixture
    def order(self, buyer_api, course):
        order_id = buyer_api.post("/checkout", {"course_ids": [course.pk]}).json()["order"]["id"]
        return Order.objects.get(pk=order_id)

    def test_bad_signature_is_400_and_stores_nothing(self, order):
        response = send_webhook(event(order), signature="t=1,v1=deadbeef")

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_signature"
        assert PaymentEvent.objects.count() == 0

    def test_stale_timestamp_is_400(self, order):
        raw = json.dumps(event(order)).encode()
        response = Client().post(
            "/api/v1/payments/webhooks/demo",
            data=raw,
            content_type="application/json",
            headers={"Demo-Signature": demo.sign(raw, timestamp=1_000)},
        )

        assert response.status_code == 400
        assert PaymentEvent.objects.count() == 0

    def test_a_duplicate_delivery_fulfils_once(self, order, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            first = send_webhook(event(order))
            second = send_webhook(event(order))

        assert (first.status_code, second.status_code) == (200, 200)
        assert PaymentEvent.objects.count() == 1
        assert LedgerEntry.objects.filter(account="provider_clearing").count() == 1

    def test_another_event_for_a_paid_order_changes_nothing(
        self, order, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            send_webhook(event(order, event_id="evt_1"))
            send_webhook(event(order, event_id="evt_2"))
            send_webhook(event(order, kind="payment.failed", event_id="evt_3"))

        order.refresh_from_db()
        assert order.status == "paid"
        assert LedgerEntry.objects.filter(account="provider_clearing").count() == 1
        assert PaymentEvent.objects.get(event_id="evt_3").outcome == "ignored: order is paid"

    def test_a_wrong_amount_fulfils_nothing_and_is_recorded(
        self, order, buyer, course, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            send_webhook(event(order, amount=1))

        order.refresh_from_db()
        assert order.status == "pending"
        assert not access.has_learner_access(buyer, course)
        assert PaymentEvent.objects.get().outcome.startswith("amount mismatch")

    def test_unknown_provider_is_404(self, order):
        response = Client().post(
            "/api/v1/payments/webhooks/nope", data="{}", content_type="application/json"
        )

        assert response.status_code == 404


@pytest.mark.django_db
class TestCoupons:
    @pytest.fixture
    def coupon(self, course):
        return Coupon.objects.create(
            code="SPRING", percent_off=25, created_by=course.owner, max_uses=1
        )

    def test_a_percent_coupon_lowers_the_total(self, buyer_api, course, coupon):
        body = buyer_api.post("/checkout", {"course_ids": [course.pk], "coupon": "spring"}).json()

        assert (body["order"]["discount"], body["order"]["total"]) == (500, 1500)
        assert Coupon.objects.get().uses == 1

    def test_a_used_up_coupon_is_refused_by_name(self, buyer_api, course, coupon):
        other = ApiClient(login_tokens(UserFactory().email)["access"])
        other.post("/checkout", {"course_ids": [course.pk], "coupon": "SPRING"})

        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "coupon": "SPRING"})

        assert response.status_code == 422
        assert response.json()["error"]["code"] == "coupon_exhausted"

    def test_a_failed_payment_gives_the_use_back(
        self, buyer_api, course, coupon, django_capture_on_commit_callbacks
    ):
        body = buyer_api.post("/checkout", {"course_ids": [course.pk], "coupon": "SPRING"}).json()

        with django_capture_on_commit_callbacks(execute=True):
            pay_on_demo_page(body["payment"]["checkout_url"], outcome="fail")

        assert Coupon.objects.get().uses == 0
        assert CouponRedemption.objects.get().status == "released"

    def test_a_coupon_for_another_course_does_not_apply(self, buyer_api, course):
        other = published_course()
        Coupon.objects.create(code="OTHER", percent_off=10, course=other, created_by=other.owner)

        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "coupon": "OTHER"})

        assert response.status_code == 422
        assert response.json()["error"]["code"] == "coupon_not_applicable"
        assert Order.objects.count() == 0


@pytest.mark.django_db
def test_orders_are_private(buyer_api, course):
    order_id = buyer_api.post("/checkout", {"course_ids": [course.pk]}).json()["order"]["id"]
    stranger = ApiClient(login_tokens(UserFactory().email)["access"])

    assert stranger.get(f"/orders/{order_id}").status_code == 404
    assert stranger.get("/orders").json()["count"] == 0
    assert buyer_api.get("/orders").json()["count"] == 1


@pytest.fixture
def paid_order(buyer_api, course, django_capture_on_commit_callbacks):
    body = buyer_api.post("/checkout", {"course_ids": [course.pk]}).json()
    with django_capture_on_commit_callbacks(execute=True):
        pay_on_demo_page(body["payment"]["checkout_url"])
    return Order.objects.get(pk=body["order"]["id"])


@pytest.mark.django_db
class TestRefunds:
    def test_buyer_refunds_within_the_window_and_loses_access(
        self, buyer_api, buyer, course, paid_order
    ):
        response = buyer_api.post(f"/orders/{paid_order.pk}/refund", {"reason": "Not for me"})

        assert response.status_code == 200
        assert response.json()["status"] == "refunded"
        assert not access.has_learner_access(buyer, course)
        assert ledger.instructor_balances(instructor_id=course.owner_id) == {
            "USD": {"instructor_pending": 0}
        }
        assert ledger.balance(account="platform_revenue", currency="USD") == 0
        assert (
            buyer_api.get(f"/lessons/{course.modules.first().lessons.first().pk}").status_code
            == 403
        )

    def test_refunding_twice_is_409_and_writes_nothing_more(self, buyer_api, paid_order):
        buyer_api.post(f"/orders/{paid_order.pk}/refund", {"reason": ""})
        entries = LedgerEntry.objects.count()

        response = buyer_api.post(f"/orders/{paid_order.pk}/refund", {"reason": ""})

        assert response.status_code == 409
        assert LedgerEntry.objects.count() == entries

    def test_after_the_window_only_an_admin_can_refund(self, buyer_api, admin_api, paid_order):
        from datetime import timedelta

        from django.utils import timezone

        Order.objects.filter(pk=paid_order.pk).update(paid_at=timezone.now() - timedelta(days=31))

        refused = buyer_api.post(f"/orders/{paid_order.pk}/refund", {"reason": ""})
        allowed = admin_api.post(f"/orders/{paid_order.pk}/refund", {"reason": "Goodwill"})

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "refund_window_closed"
        assert allowed.status_code == 200

    def test_someone_elses_order_is_404(self, paid_order):
        stranger = ApiClient(login_tokens(UserFactory().email)["access"])

        response = stranger.post(f"/orders/{paid_order.pk}/refund", {"reason": ""})

        assert response.status_code == 404
        assert Order.objects.get(pk=paid_order.pk).status == "paid"

    def test_refund_after_escrow_release_comes_from_the_available_balance(
        self, admin_api, course, paid_order
    ):
        from datetime import timedelta

        from django.utils import timezone

        from agora.commerce.services import refunds

        Order.objects.filter(pk=paid_order.pk).update(paid_at=timezone.now() - timedelta(days=31))
        assert refunds.release_escrow() == 1
        assert refunds.release_escrow() == 0
        assert ledger.instructor_balances(instructor_id=course.owner_id)["USD"] == {
            "instructor_pending": 0,
            "instructor_available": 1600,
        }

        admin_api.post(f"/orders/{paid_order.pk}/refund", {"reason": "Chargeback risk"})

        assert ledger.instructor_balances(instructor_id=course.owner_id)["USD"] == {
            "instructor_pending": 0,
            "instructor_available": 0,
        }

    def test_a_provider_refund_webhook_after_the_refund_changes_nothing(
        self, buyer_api, paid_order, django_capture_on_commit_callbacks
    ):
        buyer_api.post(f"/orders/{paid_order.pk}/refund", {"reason": ""})
        entries = LedgerEntry.objects.count()

        with django_capture_on_commit_callbacks(execute=True):
            send_webhook(event(paid_order, kind="refund.succeeded", event_id="evt_refund"))

        assert LedgerEntry.objects.count() == entries
        assert (
            PaymentEvent.objects.get(event_id="evt_refund").outcome == "ignored: already refunded"
        )


@pytest.mark.django_db
class TestEarnings:
    def test_instructor_sees_the_sale_in_escrow(self, course, paid_order):
        teacher_api = ApiClient(login_tokens(course.owner.email)["access"])

        body = teacher_api.get("/instructor/earnings").json()

        assert {
            k: body[k] for k in ("currency", "pending", "available", "paid_out", "lifetime")
        } == {
            "currency": "USD",
            "pending": 1600,
            "available": 0,
            "paid_out": 0,
            "lifetime": 1600,
        }

    def test_learners_cannot_see_earnings(self, buyer_api):
        assert buyer_api.get("/instructor/earnings").status_code == 403


@pytest.mark.django_db
class TestInvoice:
    def test_the_receipt_email_carries_the_invoice(self, paid_order):
        (receipt,) = [m for m in mail.outbox if m.to == [paid_order.buyer.email]]

        assert receipt.subject == f"[Agora] Your order {paid_order.number} is confirmed"
        assert [(name, kind) for name, _, kind in receipt.attachments] == [
            (f"agora-invoice-{paid_order.number}.pdf", "application/pdf")
        ]
        assert receipt.attachments[0][1].startswith(b"%PDF-")

    def test_buyer_downloads_the_invoice(self, buyer_api, paid_order):
        response = buyer_api.get(f"/orders/{paid_order.pk}/invoice")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")

    def test_no_invoice_before_payment(self, buyer_api, course):
        order_id = buyer_api.post("/checkout", {"course_ids": [course.pk]}).json()["order"]["id"]

        response = buyer_api.get(f"/orders/{order_id}/invoice")

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "invoice_not_available"

    def test_others_cannot_download_it(self, paid_order):
        stranger = ApiClient(login_tokens(UserFactory().email)["access"])

        assert stranger.get(f"/orders/{paid_order.pk}/invoice").status_code == 404

    def test_the_invoice_shows_seller_buyer_items_and_totals(self, paid_order, course):
        from io import BytesIO

        from pypdf import PdfReader

        from agora.commerce.services.invoices import render_invoice

        text = PdfReader(BytesIO(render_invoice(order=paid_order))).pages[0].extract_text()

        for expected in (
            "Invoice",
            paid_order.number,
            "Agora Marketplace",
            "buyer@example.com",
            course.title,
            "Subtotal",
            "Total",
            "20.00 USD",
        ):
            assert expected in text, expected


@pytest.mark.django_db
class TestReconciliation:
    def test_an_event_whose_job_was_lost_is_processed(self, buyer_api, buyer, course):
        from datetime import timedelta

        from django.utils import timezone

        order_id = buyer_api.post("/checkout", {"course_ids": [course.pk]}).json()["order"]["id"]
        order = Order.objects.get(pk=order_id)
        send_webhook(event(order))  # stored; its job never ran (no on-commit here)
        PaymentEvent.objects.update(received_at=timezone.now() - timedelta(minutes=10))

        counts = reconciliation.reconcile()

        assert counts["events"] == 1
        assert Order.objects.get(pk=order_id).status == "paid"
        assert access.has_learner_access(buyer, course)

    def test_a_day_old_unpaid_order_is_canceled_and_its_coupon_use_returned(
        self, buyer_api, course
    ):
        from datetime import timedelta

        from django.utils import timezone

        Coupon.objects.create(code="DAY", percent_off=10, created_by=course.owner, max_uses=1)
        order_id = buyer_api.post("/checkout", {"course_ids": [course.pk], "coupon": "DAY"}).json()[
            "order"
        ]["id"]
        Order.objects.filter(pk=order_id).update(created_at=timezone.now() - timedelta(hours=25))

        counts = reconciliation.reconcile()

        assert counts["canceled"] == 1
        assert Order.objects.get(pk=order_id).status == "canceled"
        assert Coupon.objects.get().uses == 0


@pytest.mark.django_db
class TestNoPaymentProvider:
    """Production with no provider configured (its default): nothing paid can be bought, and
    nothing crashes."""

    @pytest.fixture(autouse=True)
    def _no_providers(self, settings):
        settings.PAYMENT_PROVIDERS = []

    def test_a_paid_course_is_refused_with_503_and_nothing_is_written(self, buyer_api, course):
        Coupon.objects.create(code="TEN", percent_off=10, created_by=course.owner, max_uses=1)

        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "coupon": "TEN"})

        assert response.status_code == 503
        assert response.json()["error"]["code"] == "no_payment_provider"
        assert Order.objects.count() == 0
        assert CouponRedemption.objects.count() == 0
        assert Coupon.objects.get().uses == 0

    def test_an_earlier_pending_order_is_kept_when_the_new_checkout_is_refused(
        self, settings, buyer_api, buyer, course
    ):
        settings.PAYMENT_PROVIDERS = ["demo"]
        earlier = buyer_api.post("/checkout", {"course_ids": [course.pk]}).json()["order"]["id"]
        settings.PAYMENT_PROVIDERS = []

        response = buyer_api.post("/checkout", {"course_ids": [course.pk]})

        assert response.status_code == 503
        assert list(Order.objects.values_list("pk", "status")) == [(earlier, "pending")]

    def test_a_free_course_is_still_enrolled(self, buyer_api, buyer):
        free = published_course(price=0)

        response = buyer_api.post("/checkout", {"course_ids": [free.pk]})

        assert response.status_code == 201
        assert response.json()["order"]["status"] == "paid"
        assert access.has_learner_access(buyer, free)

    def test_a_fully_discounted_course_is_still_enrolled(self, buyer_api, buyer, course):
        Coupon.objects.create(code="GIFT", percent_off=100, created_by=course.owner)

        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "coupon": "GIFT"})

        assert response.status_code == 201
        assert response.json()["order"]["status"] == "paid"
        assert access.has_learner_access(buyer, course)

    def test_buy_now_on_the_course_page_explains_instead_of_failing(self, buyer, course):
        from tests.conftest import client_for

        response = client_for(buyer).post(f"/checkout/buy/{course.pk}/", follow=True)

        assert response.status_code == 200
        assert "Payments are not set up" in response.content.decode()
        assert Order.objects.count() == 0

    def test_the_cart_checks_out_a_free_course(self, buyer):
        from tests.conftest import client_for

        free = published_course(price=0)
        browser = client_for(buyer)
        browser.post(f"/cart/add/{free.pk}/")

        page = browser.get("/checkout/")
        response = browser.post("/checkout/", {"country": ""})

        assert "only free courses can be checked out" in page.content.decode()
        assert response.status_code == 302
        assert access.has_learner_access(buyer, free)

    def test_the_cart_refuses_a_paid_course_with_the_reason(self, buyer, course):
        from tests.conftest import client_for

        browser = client_for(buyer)
        browser.post(f"/cart/add/{course.pk}/")

        response = browser.post("/checkout/", {"country": ""})

        assert response.status_code == 200
        assert "Payments are not set up" in response.content.decode()
        assert Order.objects.count() == 0


@pytest.mark.django_db
class TestDemoProviderDisabled:
    @pytest.fixture
    def demo_order(self, buyer_api, course):
        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "demo"})
        return Order.objects.get(pk=response.json()["order"]["id"])

    @pytest.mark.parametrize(
        ("providers_listed", "production", "opted_in"),
        [(["stripe"], False, False), (["demo"], True, False)],
        ids=["not listed", "production without the opt-in"],
    )
    def test_the_pay_page_is_404_and_pays_nothing(
        self, settings, demo_order, providers_listed, production, opted_in
    ):
        settings.PAYMENT_PROVIDERS = providers_listed
        settings.IS_PRODUCTION = production
        settings.DEMO_PAYMENTS_IN_PRODUCTION = opted_in
        path = f"/pay/demo/{demo_order.provider_payment_id}/"

        shown = Client().get(path)
        posted = Client().post(path, {"outcome": "succeed"})

        assert (shown.status_code, posted.status_code) == (404, 404)
        demo_order.refresh_from_db()
        assert demo_order.status == "pending"
        assert PaymentEvent.objects.count() == 0

    def test_the_webhook_is_404_and_stores_nothing(self, settings, demo_order):
        settings.IS_PRODUCTION = True
        settings.DEMO_PAYMENTS_IN_PRODUCTION = False

        response = send_webhook(event(demo_order))

        assert response.status_code == 404
        assert PaymentEvent.objects.count() == 0

    def test_the_opt_in_keeps_the_pay_page_in_production(self, settings, demo_order):
        settings.IS_PRODUCTION = True
        settings.DEMO_PAYMENTS_IN_PRODUCTION = True

        response = Client().get(f"/pay/demo/{demo_order.provider_payment_id}/")

        assert response.status_code == 200
