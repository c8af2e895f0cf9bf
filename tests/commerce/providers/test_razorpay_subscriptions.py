"""Razorpay Subscriptions: plans and subscriptions created through the real SDK against a
fake Razorpay API on loopback; subscription webhooks signed with Razorpay's scheme (hex
HMAC-SHA256 of the raw body keyed with the webhook secret)."""

import base64
import json
import time

import pytest

from agora.commerce.models import PaymentEvent, PlanPrice, Subscription, SubscriptionPayment
from tests.commerce.providers.fakehttp import Answer
from tests.commerce.providers.test_razorpay import (
    KEY_ID,
    KEY_SECRET,
    WEBHOOK_SECRET,
    post_webhook,
    webhook_signature,
)
from tests.commerce.subscription_helpers import make_plan

pytestmark = pytest.mark.django_db

RZP_SUBSCRIPTION = {
    "id": "sub_00000000000001",
    "entity": "subscription",
    "plan_id": "plan_00000000000001",
    "status": "created",
    "short_url": "https://rzp.io/i/z3b1R61A9",
}


def rzp_event(kind: str, *, payment_id="pay_sub_1", amount=49900, created_at=None) -> bytes:
    payload = {"subscription": {"entity": {**RZP_SUBSCRIPTION, "status": "active"}}}
    if kind == "subscription.charged":
        payload["payment"] = {
            "entity": {
                "id": payment_id,
                "entity": "payment",
                "amount": amount,
                "currency": "INR",
                "status": "captured",
            }
        }
    return json.dumps(
        {
            "entity": "event",
            "event": kind,
            "contains": list(payload),
            "payload": payload,
            "created_at": int(time.time()) if created_at is None else created_at,
        }
    ).encode()


@pytest.fixture
def razorpay_billing(settings, fake_api):
    settings.PAYMENT_PROVIDERS = ["razorpay"]
    settings.RAZORPAY_KEY_ID = KEY_ID
    settings.RAZORPAY_KEY_SECRET = KEY_SECRET
    settings.RAZORPAY_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.RAZORPAY_API_BASE = fake_api.url
    fake_api.on("POST", "/v1/plans", Answer(200, {"id": "plan_00000000000001", "entity": "plan"}))
    fake_api.on("POST", "/v1/subscriptions", Answer(200, RZP_SUBSCRIPTION))
    fake_api.on(
        "POST",
        f"/v1/subscriptions/{RZP_SUBSCRIPTION['id']}/cancel",
        Answer(200, {**RZP_SUBSCRIPTION, "status": "active"}),
    )
    return fake_api


@pytest.fixture
def plan(db):
    return make_plan(prices={"INR": 49900})


@pytest.fixture
def subscription(razorpay_billing, buyer_api, plan):
    response = buyer_api.post("/subscriptions", {"plan_id": plan.pk})
    assert response.status_code == 201, response.content
    return Subscription.objects.get(pk=response.json()["subscription"]["id"])


def deliver(body: bytes, event_id: str, capture) -> int:
    with capture(execute=True):
        return post_webhook(body, webhook_signature(body), event_id=event_id).status_code


class TestStart:
    def test_a_plan_then_a_subscription_paid_on_the_hosted_page(
        self, subscription, razorpay_billing, buyer_api, plan
    ):
        plan_call = razorpay_billing.calls("POST", "/v1/plans")[0]
        created = razorpay_billing.calls("POST", "/v1/subscriptions")[0]

        assert plan_call.json()["period"] == "monthly"
        assert plan_call.json()["item"] == {
            "name": "All access",
            "amount": 49900,
            "currency": "INR",
        }
        assert created.json()["plan_id"] == "plan_00000000000001"
        assert created.json()["total_count"] == 120
        expected = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
        assert created.header("Authorization") == f"Basic {expected}"
        assert subscription.provider_subscription_id == RZP_SUBSCRIPTION["id"]
        assert subscription.checkout_url == RZP_SUBSCRIPTION["short_url"]
        # The Razorpay plan is kept for the next subscriber of this price.
        assert PlanPrice.objects.get(plan=plan).razorpay_plan_id == "plan_00000000000001"


class TestWebhooks:
    def test_a_charge_activates_and_a_redelivery_pays_once(
        self, subscription, django_capture_on_commit_callbacks
    ):
        body = rzp_event("subscription.charged")

        assert deliver(body, "evt_1", django_capture_on_commit_callbacks) == 200
        assert deliver(body, "evt_1", django_capture_on_commit_callbacks) == 200
        assert deliver(body, "evt_2", django_capture_on_commit_callbacks) == 200

        subscription.refresh_from_db()
        assert (subscription.status, subscription.paid_periods) == ("active", 1)
        assert SubscriptionPayment.objects.get().reference == "pay_sub_1"
        assert PaymentEvent.objects.count() == 2

    def test_pending_is_past_due_and_cancelled_ends_it(
        self, subscription, django_capture_on_commit_callbacks
    ):
        now = int(time.time())
        deliver(
            rzp_event("subscription.charged", created_at=now - 60),
            "evt_1",
            django_capture_on_commit_callbacks,
        )

        deliver(
            rzp_event("subscription.pending", created_at=now),
            "evt_2",
            django_capture_on_commit_callbacks,
        )
        subscription.refresh_from_db()
        assert subscription.status == "past_due"

        deliver(
            rzp_event("subscription.charged", payment_id="pay_sub_2", created_at=now + 60),
            "evt_3",
            django_capture_on_commit_callbacks,
        )
        subscription.refresh_from_db()
        assert (subscription.status, subscription.paid_periods) == ("active", 2)

        deliver(rzp_event("subscription.cancelled"), "evt_4", django_capture_on_commit_callbacks)
        subscription.refresh_from_db()
        assert subscription.status == "canceled"

    def test_a_bad_signature_is_400_and_stores_nothing(self, subscription):
        body = rzp_event("subscription.charged")

        response = post_webhook(body, webhook_signature(body, "another_secret"))

        assert response.status_code == 400
        assert not PaymentEvent.objects.exists()

    def test_cancel_at_cycle_end_and_resume_is_refused(
        self, subscription, razorpay_billing, buyer_api, django_capture_on_commit_callbacks
    ):
        deliver(rzp_event("subscription.charged"), "evt_1", django_capture_on_commit_callbacks)

        canceled = buyer_api.post("/me/subscription/cancel")
        resumed = buyer_api.post("/me/subscription/resume")

        assert canceled.status_code == 200
        call = razorpay_billing.calls("POST", f"/v1/subscriptions/{RZP_SUBSCRIPTION['id']}/cancel")
        assert call[0].json() == {"cancel_at_cycle_end": 1}
        assert resumed.status_code == 409
        subscription.refresh_from_db()
        assert subscription.cancel_at_period_end is True
