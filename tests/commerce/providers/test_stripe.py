"""Stripe: webhooks are real events signed with Stripe's scheme (t=…,v1=HMAC-SHA256 of
"<t>.<payload>" keyed with the endpoint secret) posted to the webhook endpoint; outbound calls
go through the real SDK to a fake Stripe API on loopback (tests/commerce/providers/fakehttp)."""

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client

from agora.catalog import access
from agora.commerce import providers
from agora.commerce.models import LedgerEntry, Order, PaymentEvent
from agora.commerce.providers import stripe as stripe_provider
from agora.commerce.services import ledger
from tests.commerce.factories import published_course
from tests.commerce.providers.fakehttp import Answer

WEBHOOK_SECRET = "whsec_test_secret"
SESSION_ID = "cs_test_a1"
SESSION = {
    "id": SESSION_ID,
    "object": "checkout.session",
    "url": f"https://checkout.stripe.com/c/pay/{SESSION_ID}",
    "amount_total": 2000,
    "currency": "usd",
    "status": "open",
    "payment_status": "unpaid",
    "payment_intent": None,
}


def stripe_signature(payload: bytes, *, timestamp: int | None = None, secret=WEBHOOK_SECRET):
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def stripe_event(kind: str, obj: dict, event_id: str = "evt_1") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "type": kind,
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


def paid_session(**changes) -> dict:
    return {**SESSION, "status": "complete", "payment_status": "paid", **changes}


def post_webhook(payload: bytes, signature: str):
    return Client().post(
        "/api/v1/payments/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )


@pytest.fixture
def stripe_enabled(settings, fake_api, monkeypatch):
    settings.PAYMENT_PROVIDERS = ["stripe", "demo"]
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake_api.url
    monkeypatch.setattr(stripe_provider, "MAX_NETWORK_RETRIES", 0)
    fake_api.on("POST", "/v1/checkout/sessions", Answer(200, SESSION))
    return fake_api


@pytest.fixture
def course(db):
    return published_course(price=2000)


@pytest.fixture
def order(stripe_enabled, buyer_api, course):
    response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "stripe"})
    assert response.status_code == 201, response.content
    return Order.objects.get(pk=response.json()["order"]["id"])


class TestEnabled:
    def test_listed_and_configured_is_enabled(self, stripe_enabled):
        assert providers.enabled() == ["stripe", "demo"]

    def test_without_keys_it_is_not_offered(self, settings):
        settings.PAYMENT_PROVIDERS = ["stripe", "demo"]
        settings.STRIPE_SECRET_KEY = ""

        assert providers.enabled() == ["demo"]


@pytest.mark.django_db
class TestStartPayment:
    def test_checkout_creates_a_session_with_the_orders_lines(
        self, stripe_enabled, buyer_api, course, settings
    ):
        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "stripe"})

        assert response.status_code == 201
        order = Order.objects.get(pk=response.json()["order"]["id"])
        assert response.json()["payment"] == {
            "provider": "stripe",
            "payment_id": SESSION_ID,
            "checkout_url": SESSION["url"],
        }
        assert order.provider_payment_id == SESSION_ID
        [call] = stripe_enabled.calls("POST", "/v1/checkout/sessions")
        assert call.header("Authorization") == "Bearer sk_test_123"
        assert call.header("Idempotency-Key") == f"order-{order.pk}"
        form = call.form()
        assert form["mode"] == "payment"
        assert form["line_items[0][price_data][unit_amount]"] == "2000"
        assert form["line_items[0][price_data][currency]"] == "usd"
        assert form["line_items[0][price_data][product_data][name]"] == course.title
        assert form["line_items[0][quantity]"] == "1"
        assert form["metadata[order_id]"] == str(order.pk)
        assert form["success_url"].startswith(f"{settings.SITE_URL}/")
        assert form["cancel_url"].startswith(f"{settings.SITE_URL}/")

    def test_tax_is_its_own_line(self, stripe_enabled, buyer_api, course):
        from agora.commerce.models import TaxRate

        TaxRate.objects.create(country="DE", basis_points=1900, name="VAT")
        buyer_api.post(
            "/checkout", {"course_ids": [course.pk], "provider": "stripe", "country": "DE"}
        )

        form = stripe_enabled.calls("POST", "/v1/checkout/sessions")[0].form()
        assert form["line_items[1][price_data][unit_amount]"] == "380"
        assert form["line_items[1][price_data][product_data][name]"] == "Tax"

    @pytest.mark.parametrize(
        "answer",
        [
            Answer(500, {"error": {"type": "api_error", "message": "boom"}}),
            Answer(429, {"error": {"type": "invalid_request_error", "code": "rate_limit"}}),
            Answer(200, SESSION, delay=1.0),
        ],
        ids=["500", "429", "timeout"],
    )
    def test_an_unavailable_stripe_is_503_and_nothing_is_paid(
        self, stripe_enabled, buyer_api, course, monkeypatch, answer
    ):
        monkeypatch.setattr(stripe_provider, "TIMEOUT_SECONDS", 0.3)
        stripe_enabled.on("POST", "/v1/checkout/sessions", answer)

        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "stripe"})

        assert response.status_code == 503
        assert response.json()["error"]["code"] == "payment_provider_unavailable"
        order = Order.objects.get()
        assert (order.status, order.provider_payment_id) == ("pending", None)
        assert LedgerEntry.objects.count() == 0

    def test_a_retry_reuses_the_idempotency_key(self, stripe_enabled, buyer_api, course):
        stripe_enabled.on(
            "POST",
            "/v1/checkout/sessions",
            Answer(503, {"error": {"type": "api_error", "message": "down"}}),
            Answer(200, SESSION),
        )
        payload = {"course_ids": [course.pk], "provider": "stripe"}

        first = buyer_api.post("/checkout", payload)
        second = buyer_api.post("/checkout", payload)

        assert (first.status_code, second.status_code) == (503, 201)
        keys = [
            c.header("Idempotency-Key")
            for c in stripe_enabled.calls("POST", "/v1/checkout/sessions")
        ]
        assert keys == [f"order-{Order.objects.get().pk}"] * 2

    def test_the_sdk_retries_a_500_with_the_same_key(
        self, stripe_enabled, buyer_api, course, monkeypatch
    ):
        monkeypatch.setattr(stripe_provider, "MAX_NETWORK_RETRIES", 1)
        stripe_enabled.on(
            "POST",
            "/v1/checkout/sessions",
            Answer(500, {"error": {"type": "api_error", "message": "boom"}}),
            Answer(200, SESSION),
        )

        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "stripe"})

        assert response.status_code == 201
        calls = stripe_enabled.calls("POST", "/v1/checkout/sessions")
        assert len(calls) == 2
        assert calls[0].header("Idempotency-Key") == calls[1].header("Idempotency-Key")


@pytest.mark.django_db
class TestWebhooks:
    def test_a_paid_session_fulfils_the_order(
        self, order, buyer, course, django_capture_on_commit_callbacks
    ):
        payload = stripe_event("checkout.session.completed", paid_session())

        with django_capture_on_commit_callbacks(execute=True):
            response = post_webhook(payload, stripe_signature(payload))

        assert response.status_code == 200
        order.refresh_from_db()
        assert order.status == "paid"
        assert access.has_learner_access(buyer, course)
        assert ledger.instructor_balances(instructor_id=course.owner_id) == {
            "USD": {"instructor_pending": 1600}
        }
        assert ledger.balance(account="platform_revenue", currency="USD") == -400
        event = PaymentEvent.objects.get()
        assert (event.provider, event.event_id, event.type, event.outcome) == (
            "stripe",
            "evt_1",
            "payment.succeeded",
            "fulfilled",
        )

    @pytest.mark.parametrize(
        "signature",
        [
            "t=1,v1=deadbeef",
            stripe_signature(b"another body"),
            "",
        ],
        ids=["garbage", "other-body", "missing"],
    )
    def test_a_bad_signature_is_400_and_stores_nothing(self, order, signature):
        payload = stripe_event("checkout.session.completed", paid_session())

        response = post_webhook(payload, signature)

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_signature"
        assert PaymentEvent.objects.count() == 0
        order.refresh_from_db()
        assert order.status == "pending"

    def test_another_secret_is_400(self, order):
        payload = stripe_event("checkout.session.completed", paid_session())

        response = post_webhook(payload, stripe_signature(payload, secret="whsec_other"))

        assert response.status_code == 400
        assert PaymentEvent.objects.count() == 0

    def test_an_old_signature_is_400(self, order):
        payload = stripe_event("checkout.session.completed", paid_session())
        old = int(time.time()) - stripe_provider.TOLERANCE_SECONDS - 10

        response = post_webhook(payload, stripe_signature(payload, timestamp=old))

        assert response.status_code == 400
        assert PaymentEvent.objects.count() == 0
        assert LedgerEntry.objects.count() == 0

    def test_a_duplicate_delivery_fulfils_once(self, order, django_capture_on_commit_callbacks):
        payload = stripe_event("checkout.session.completed", paid_session())

        with django_capture_on_commit_callbacks(execute=True):
            first = post_webhook(payload, stripe_signature(payload))
            second = post_webhook(payload, stripe_signature(payload))

        assert (first.status_code, second.status_code) == (200, 200)
        assert PaymentEvent.objects.count() == 1
        assert LedgerEntry.objects.filter(account="provider_clearing").count() == 1

    def test_a_session_awaiting_an_async_payment_pays_nothing_yet(
        self, order, django_capture_on_commit_callbacks
    ):
        payload = stripe_event("checkout.session.completed", paid_session(payment_status="unpaid"))

        with django_capture_on_commit_callbacks(execute=True):
            post_webhook(payload, stripe_signature(payload))

        order.refresh_from_db()
        assert order.status == "pending"
        assert PaymentEvent.objects.get().type == "stripe.checkout.session.completed"

    @pytest.mark.parametrize(
        "kind", ["checkout.session.async_payment_failed", "checkout.session.expired"]
    )
    def test_a_failed_or_expired_session_fails_the_order(
        self, order, kind, django_capture_on_commit_callbacks
    ):
        payload = stripe_event(kind, {**SESSION, "status": "expired"})

        with django_capture_on_commit_callbacks(execute=True):
            post_webhook(payload, stripe_signature(payload))

        order.refresh_from_db()
        assert order.status == "failed"
        assert LedgerEntry.objects.count() == 0

    def test_a_declined_card_in_an_open_session_keeps_the_order_open(
        self, order, django_capture_on_commit_callbacks
    ):
        payload = stripe_event(
            "payment_intent.payment_failed", {"id": "pi_1", "object": "payment_intent"}
        )

        with django_capture_on_commit_callbacks(execute=True):
            response = post_webhook(payload, stripe_signature(payload))

        assert response.status_code == 200
        order.refresh_from_db()
        assert order.status == "pending"

    def test_a_wrong_amount_fulfils_nothing(self, order, django_capture_on_commit_callbacks):
        payload = stripe_event("checkout.session.completed", paid_session(amount_total=1))

        with django_capture_on_commit_callbacks(execute=True):
            post_webhook(payload, stripe_signature(payload))

        order.refresh_from_db()
        assert order.status == "pending"
        assert PaymentEvent.objects.get().outcome.startswith("amount mismatch")

    def test_a_full_charge_refund_refunds_the_order(
        self, order, buyer, course, stripe_enabled, django_capture_on_commit_callbacks
    ):
        stripe_enabled.on(
            "GET",
            "/v1/checkout/sessions",
            Answer(200, {"object": "list", "data": [paid_session()], "has_more": False}),
        )
        paid = stripe_event("checkout.session.completed", paid_session())
        refunded = stripe_event(
            "charge.refunded",
            {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": "pi_1",
                "amount": 2000,
                "amount_refunded": 2000,
                "currency": "usd",
                "refunded": True,
            },
            event_id="evt_2",
        )

        with django_capture_on_commit_callbacks(execute=True):
            post_webhook(paid, stripe_signature(paid))
            response = post_webhook(refunded, stripe_signature(refunded))

        assert response.status_code == 200
        order.refresh_from_db()
        assert order.status == "refunded"
        assert not access.has_learner_access(buyer, course)
        [lookup] = stripe_enabled.calls("GET", "/v1/checkout/sessions")
        assert lookup.query["payment_intent"] == ["pi_1"]
        assert ledger.balance(account="platform_revenue", currency="USD") == 0


@pytest.mark.django_db
class TestRefund:
    @pytest.fixture
    def paid_order(self, order, django_capture_on_commit_callbacks):
        payload = stripe_event("checkout.session.completed", paid_session())
        with django_capture_on_commit_callbacks(execute=True):
            post_webhook(payload, stripe_signature(payload))
        order.refresh_from_db()
        return order

    def test_refund_refunds_the_payment_intent_with_a_key(
        self, paid_order, buyer_api, stripe_enabled
    ):
        stripe_enabled.on(
            "GET",
            f"/v1/checkout/sessions/{SESSION_ID}",
            Answer(200, paid_session(payment_intent="pi_1")),
        )
        stripe_enabled.on(
            "POST",
            "/v1/refunds",
            Answer(200, {"id": "re_1", "object": "refund", "status": "succeeded"}),
        )

        response = buyer_api.post(f"/orders/{paid_order.pk}/refund", {"reason": "Not for me"})

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "refunded"
        [call] = stripe_enabled.calls("POST", "/v1/refunds")
        assert call.form()["payment_intent"] == "pi_1"
        assert call.header("Idempotency-Key") == f"refund-{paid_order.pk}"

    def test_an_unavailable_stripe_refunds_nothing(self, paid_order, buyer_api, stripe_enabled):
        stripe_enabled.on(
            "GET",
            f"/v1/checkout/sessions/{SESSION_ID}",
            Answer(200, paid_session(payment_intent="pi_1")),
        )
        stripe_enabled.on(
            "POST", "/v1/refunds", Answer(502, {"error": {"type": "api_error", "message": "x"}})
        )

        response = buyer_api.post(f"/orders/{paid_order.pk}/refund", {"reason": "Not for me"})

        assert response.status_code == 503
        assert response.json()["error"]["code"] == "payment_provider_unavailable"
        paid_order.refresh_from_db()
        assert paid_order.status == "paid"


@pytest.mark.django_db
class TestPaymentState:
    def test_a_paid_session_is_reported_settled(self, stripe_enabled):
        stripe_enabled.on("GET", f"/v1/checkout/sessions/{SESSION_ID}", Answer(200, paid_session()))

        state = providers.get("stripe").payment_state(payment_id=SESSION_ID)

        assert state is not None
        assert (state.type, state.payment_id, state.amount, state.currency) == (
            "payment.succeeded",
            SESSION_ID,
            2000,
            "USD",
        )

    def test_an_open_session_is_still_open(self, stripe_enabled):
        stripe_enabled.on("GET", f"/v1/checkout/sessions/{SESSION_ID}", Answer(200, SESSION))

        assert providers.get("stripe").payment_state(payment_id=SESSION_ID) is None
