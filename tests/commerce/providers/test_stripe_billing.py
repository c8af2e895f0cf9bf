"""Stripe Billing: subscriptions created through the real SDK against a fake Stripe API on
loopback; invoice and subscription webhooks signed with Stripe's scheme."""

import json
import time

import pytest

from agora.commerce.models import PaymentEvent, Subscription, SubscriptionPayment
from agora.commerce.providers import stripe as stripe_provider
from agora.commerce.services import ledger
from tests.commerce.providers.fakehttp import Answer
from tests.commerce.providers.test_stripe import WEBHOOK_SECRET, post_webhook, stripe_signature
from tests.commerce.subscription_helpers import make_plan

pytestmark = pytest.mark.django_db

SUBSCRIPTION = {
    "id": "sub_1Abc",
    "object": "subscription",
    "status": "incomplete",
    "customer": "cus_1",
    "latest_invoice": {
        "id": "in_first",
        "object": "invoice",
        "confirmation_secret": {"client_secret": "pi_1_secret_2", "type": "payment_intent"},
    },
}


def event(kind: str, obj: dict, event_id: str, created: int | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": int(time.time()) if created is None else created,
            "type": kind,
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


def invoice(invoice_id: str, *, amount=1500, new_api=True, **changes) -> dict:
    body = {
        "id": invoice_id,
        "object": "invoice",
        "amount_paid": amount,
        "amount_due": amount,
        "currency": "usd",
        "customer": "cus_1",
    }
    if new_api:
        body["parent"] = {
            "type": "subscription_details",
            "subscription_details": {"subscription": "sub_1Abc"},
        }
    else:
        body["subscription"] = "sub_1Abc"
    return {**body, **changes}


@pytest.fixture
def stripe_billing(settings, fake_api, monkeypatch):
    settings.PAYMENT_PROVIDERS = ["stripe", "demo"]
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake_api.url
    monkeypatch.setattr(stripe_provider, "MAX_NETWORK_RETRIES", 0)
    fake_api.on("POST", "/v1/customers", Answer(200, {"id": "cus_1", "object": "customer"}))
    fake_api.on("POST", "/v1/prices", Answer(200, {"id": "price_1", "object": "price"}))
    fake_api.on("POST", "/v1/subscriptions", Answer(200, SUBSCRIPTION))
    fake_api.on(
        "POST", "/v1/subscriptions/sub_1Abc", Answer(200, {**SUBSCRIPTION, "status": "active"})
    )
    return fake_api


@pytest.fixture
def subscription(stripe_billing, buyer, buyer_api):
    plan = make_plan(prices={"USD": 1500})
    response = buyer_api.post("/subscriptions", {"plan_id": plan.pk, "provider": "stripe"})
    assert response.status_code == 201, response.content
    return Subscription.objects.get(pk=response.json()["subscription"]["id"])


def deliver(payload: bytes, capture) -> int:
    with capture(execute=True):
        return post_webhook(payload, stripe_signature(payload)).status_code


class TestStart:
    def test_subscribing_creates_customer_price_and_subscription_with_keys(
        self, subscription, stripe_billing, buyer_api
    ):
        customer = stripe_billing.calls("POST", "/v1/customers")[0]
        price = stripe_billing.calls("POST", "/v1/prices")[0]
        created = stripe_billing.calls("POST", "/v1/subscriptions")[0]

        assert customer.form()["email"] == "buyer@example.com"
        assert customer.header("Idempotency-Key") == f"subscription-{subscription.pk}-customer"
        assert price.form()["unit_amount"] == "1500"
        assert price.form()["recurring[interval]"] == "month"
        assert price.form()["currency"] == "usd"
        form = created.form()
        assert form["customer"] == "cus_1"
        assert form["items[0][price]"] == "price_1"
        assert form["payment_behavior"] == "default_incomplete"
        assert created.header("Idempotency-Key") == f"subscription-{subscription.pk}"
        assert created.header("Authorization") == "Bearer sk_test_123"
        assert subscription.provider_subscription_id == "sub_1Abc"
        assert subscription.provider_customer_id == "cus_1"
        body = buyer_api.post(
            "/subscriptions", {"plan_id": subscription.plan_id, "provider": "stripe"}
        ).json()
        assert body["payment"]["client_secret"] == "pi_1_secret_2"
        assert body["payment"]["subscription_id"] == "sub_1Abc"

    def test_an_unavailable_stripe_is_503_and_the_retry_uses_the_same_key(
        self, stripe_billing, buyer_api
    ):
        plan = make_plan(prices={"USD": 1500})
        stripe_billing.on(
            "POST",
            "/v1/subscriptions",
            Answer(500, {"error": {"message": "down"}}),
            Answer(200, SUBSCRIPTION),
        )

        first = buyer_api.post("/subscriptions", {"plan_id": plan.pk, "provider": "stripe"})
        second = buyer_api.post("/subscriptions", {"plan_id": plan.pk, "provider": "stripe"})

        assert first.status_code == 503
        assert second.status_code == 201
        keys = {
            c.header("Idempotency-Key") for c in stripe_billing.calls("POST", "/v1/subscriptions")
        }
        assert len(keys) == 1


class TestWebhooks:
    def test_invoice_paid_activates_and_is_recorded_once_per_invoice(
        self, subscription, django_capture_on_commit_callbacks
    ):
        first = event("invoice.paid", invoice("in_first"), "evt_a")
        again = event("invoice.paid", invoice("in_first", new_api=False), "evt_b")

        assert deliver(first, django_capture_on_commit_callbacks) == 200
        assert deliver(again, django_capture_on_commit_callbacks) == 200

        subscription.refresh_from_db()
        assert (subscription.status, subscription.paid_periods) == ("active", 1)
        payment = SubscriptionPayment.objects.get()
        assert (payment.provider, payment.reference, payment.amount) == ("stripe", "in_first", 1500)
        assert [e.type for e in PaymentEvent.objects.order_by("pk")] == [
            "subscription.renewed",
            "subscription.renewed",
        ]
        assert ledger.balance(account="subscription_pool", currency="USD") == -1200

    def test_a_failed_invoice_makes_it_past_due_and_deleted_ends_it(
        self, subscription, django_capture_on_commit_callbacks
    ):
        now = int(time.time())
        deliver(
            event("invoice.paid", invoice("in_first"), "evt_a", now - 10),
            django_capture_on_commit_callbacks,
        )

        deliver(
            event("invoice.payment_failed", invoice("in_second"), "evt_b", now),
            django_capture_on_commit_callbacks,
        )
        subscription.refresh_from_db()
        assert subscription.status == "past_due"

        deleted = {**SUBSCRIPTION, "status": "canceled", "latest_invoice": "in_second"}
        deliver(
            event("customer.subscription.deleted", deleted, "evt_c"),
            django_capture_on_commit_callbacks,
        )
        subscription.refresh_from_db()
        assert subscription.status == "expired"

    def test_a_bad_signature_is_400_and_stores_nothing(self, subscription):
        payload = event("invoice.paid", invoice("in_first"), "evt_a")

        response = post_webhook(payload, stripe_signature(payload, secret="whsec_other"))

        assert response.status_code == 400
        assert not PaymentEvent.objects.exists()

    def test_cancel_and_resume_update_the_stripe_subscription(
        self, subscription, stripe_billing, buyer_api, django_capture_on_commit_callbacks
    ):
        deliver(
            event("invoice.paid", invoice("in_first"), "evt_a"), django_capture_on_commit_callbacks
        )

        assert buyer_api.post("/me/subscription/cancel").status_code == 200
        assert buyer_api.post("/me/subscription/resume").status_code == 200

        updates = [c.form() for c in stripe_billing.calls("POST", "/v1/subscriptions/sub_1Abc")]
        assert updates == [{"cancel_at_period_end": "true"}, {"cancel_at_period_end": "false"}]

    def test_stripe_refusing_the_cancel_changes_nothing(
        self, subscription, stripe_billing, buyer_api, django_capture_on_commit_callbacks
    ):
        deliver(
            event("invoice.paid", invoice("in_first"), "evt_a"), django_capture_on_commit_callbacks
        )
        stripe_billing.on(
            "POST", "/v1/subscriptions/sub_1Abc", Answer(503, {"error": {"message": "down"}})
        )

        response = buyer_api.post("/me/subscription/cancel")

        assert response.status_code == 503
        subscription.refresh_from_db()
        assert subscription.cancel_at_period_end is False
