"""Razorpay: signatures checked against vectors computed here with the hmac module (and one
fixed vector computed with openssl); outbound calls go through the real SDK to a fake
Razorpay API on loopback."""

import base64
import hashlib
import hmac
import json

import pytest
from django.test import Client

from agora.catalog import access
from agora.commerce import providers
from agora.commerce.models import Dispute, LedgerEntry, Order, PaymentEvent
from agora.commerce.providers import razorpay as razorpay_provider
from agora.commerce.services import ledger
from tests.commerce.factories import published_course
from tests.commerce.providers.fakehttp import Answer

KEY_ID = "rzp_test_key"
KEY_SECRET = "EnLs21M47BllR3X8PSFtjtbd"
WEBHOOK_SECRET = "rzp_webhook_secret"
RZP_ORDER = {
    "id": "order_IEIaMR65cu6nz3",
    "entity": "order",
    "amount": 49900,
    "currency": "INR",
    "status": "created",
}


def webhook_signature(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def rzp_event(kind: str, *, order_id: str, amount=49900, status="captured", refund=None) -> bytes:
    payment = {
        "id": "pay_IH4NVgf4Dreq1l",
        "entity": "payment",
        "amount": amount,
        "currency": "INR",
        "status": status,
        "order_id": order_id,
    }
    payload = {"payment": {"entity": payment}}
    if refund:
        payload["refund"] = {"entity": refund}
    return json.dumps(
        {"entity": "event", "event": kind, "contains": list(payload), "payload": payload}
    ).encode()


def post_webhook(body: bytes, signature: str, event_id: str = "evt_rzp_1"):
    return Client().post(
        "/api/v1/payments/webhooks/razorpay",
        data=body,
        content_type="application/json",
        headers={"X-Razorpay-Signature": signature, "X-Razorpay-Event-Id": event_id},
    )


@pytest.fixture
def razorpay_enabled(settings, fake_api):
    settings.PAYMENT_PROVIDERS = ["razorpay"]
    settings.RAZORPAY_KEY_ID = KEY_ID
    settings.RAZORPAY_KEY_SECRET = KEY_SECRET
    settings.RAZORPAY_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.RAZORPAY_API_BASE = fake_api.url
    fake_api.on("POST", "/v1/orders", Answer(200, RZP_ORDER))
    return fake_api


@pytest.fixture
def course(db):
    return published_course(price=49900, currency="INR")


@pytest.fixture
def order(razorpay_enabled, buyer_api, course):
    response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "razorpay"})
    assert response.status_code == 201, response.content
    return Order.objects.get(pk=response.json()["order"]["id"])


class TestCheckoutSignature:
    def test_a_fixed_vector_verifies(self, settings):
        # openssl dgst -sha256 -hmac EnLs21M47BllR3X8PSFtjtbd <<< "order_…|pay_…" (no newline)
        settings.RAZORPAY_KEY_SECRET = KEY_SECRET
        assert razorpay_provider.verify_checkout_signature(
            order_id="order_IEIaMR65cu6nz3",
            payment_id="pay_IH4NVgf4Dreq1l",
            signature="0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f",
        )

    def test_an_hmac_of_order_and_payment_ids_verifies(self, settings):
        settings.RAZORPAY_KEY_SECRET = "another-secret"
        signature = hmac.new(b"another-secret", b"order_A|pay_B", hashlib.sha256).hexdigest()

        assert razorpay_provider.verify_checkout_signature(
            order_id="order_A", payment_id="pay_B", signature=signature
        )

    @pytest.mark.parametrize(
        ("order_id", "payment_id", "signature"),
        [
            ("order_A", "pay_C", None),  # signed for another payment
            ("order_A", "pay_B", ""),
            ("order_A", "pay_B", "0" * 64),
        ],
    )
    def test_anything_else_fails(self, settings, order_id, payment_id, signature):
        settings.RAZORPAY_KEY_SECRET = "another-secret"
        if signature is None:
            signature = hmac.new(b"another-secret", b"order_A|pay_B", hashlib.sha256).hexdigest()

        assert not razorpay_provider.verify_checkout_signature(
            order_id=order_id, payment_id=payment_id, signature=signature
        )


@pytest.mark.django_db
class TestStartPayment:
    def test_checkout_creates_a_razorpay_order(self, razorpay_enabled, buyer_api, course):
        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "razorpay"})

        assert response.status_code == 201
        order = Order.objects.get(pk=response.json()["order"]["id"])
        assert order.provider_payment_id == RZP_ORDER["id"]
        [call] = razorpay_enabled.calls("POST", "/v1/orders")
        assert call.json() == {
            "amount": 49900,
            "currency": "INR",
            "receipt": order.number,
            "notes": {"order_id": str(order.pk), "idempotency_key": f"order-{order.pk}"},
        }
        expected_auth = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
        assert call.header("Authorization") == f"Basic {expected_auth}"
        # The buyer's browser gets what Razorpay's checkout needs, and no secret.
        payment = response.json()["payment"]
        assert payment["provider"] == "razorpay"
        assert (payment["key_id"], payment["order_id"], payment["amount"]) == (
            KEY_ID,
            RZP_ORDER["id"],
            49900,
        )
        assert KEY_SECRET not in str(payment)

    def test_the_start_carries_what_razorpay_checkout_needs(self, razorpay_enabled, db):
        order = Order.objects.create(
            buyer=published_course().owner, currency="INR", subtotal=49900, total=49900
        )

        start = providers.get("razorpay").start_payment(order=order, idempotency_key="k")

        assert start.checkout_url is None
        assert start.extra == {
            "key_id": KEY_ID,
            "order_id": RZP_ORDER["id"],
            "amount": 49900,
            "currency": "INR",
            "receipt": order.number,
        }

    def test_a_server_error_is_503_and_nothing_is_paid(self, razorpay_enabled, buyer_api, course):
        razorpay_enabled.on(
            "POST",
            "/v1/orders",
            Answer(500, {"error": {"code": "SERVER_ERROR", "description": "down"}}),
        )

        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "razorpay"})

        assert response.status_code == 503
        assert response.json()["error"]["code"] == "payment_provider_unavailable"
        assert Order.objects.get().provider_payment_id is None

    def test_a_timeout_is_503(self, razorpay_enabled, buyer_api, course, monkeypatch):
        monkeypatch.setattr(razorpay_provider, "TIMEOUT_SECONDS", 0.3)
        razorpay_enabled.on("POST", "/v1/orders", Answer(200, RZP_ORDER, delay=1.0))

        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "razorpay"})

        assert response.status_code == 503


@pytest.mark.django_db
class TestWebhooks:
    @pytest.mark.parametrize("kind", ["payment.captured", "order.paid"])
    def test_a_captured_payment_fulfils_the_order(
        self, order, buyer, course, kind, django_capture_on_commit_callbacks
    ):
        body = rzp_event(kind, order_id=RZP_ORDER["id"])

        with django_capture_on_commit_callbacks(execute=True):
            response = post_webhook(body, webhook_signature(body))

        assert response.status_code == 200
        order.refresh_from_db()
        assert order.status == "paid"
        assert access.has_learner_access(buyer, course)
        event = PaymentEvent.objects.get()
        assert (event.event_id, event.type, event.amount, event.currency) == (
            "evt_rzp_1",
            "payment.succeeded",
            49900,
            "INR",
        )

    @pytest.mark.parametrize(
        "signature",
        [webhook_signature(b"other"), webhook_signature(b"x", secret="nope"), ""],
        ids=["other-body", "other-secret", "missing"],
    )
    def test_a_bad_signature_is_400_and_stores_nothing(self, order, signature):
        body = rzp_event("payment.captured", order_id=RZP_ORDER["id"])

        response = post_webhook(body, signature)

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_signature"
        assert PaymentEvent.objects.count() == 0
        assert LedgerEntry.objects.count() == 0

    def test_a_duplicate_delivery_fulfils_once(self, order, django_capture_on_commit_callbacks):
        body = rzp_event("payment.captured", order_id=RZP_ORDER["id"])

        with django_capture_on_commit_callbacks(execute=True):
            post_webhook(body, webhook_signature(body))
            post_webhook(body, webhook_signature(body))

        assert PaymentEvent.objects.count() == 1
        assert LedgerEntry.objects.filter(account="provider_clearing").count() == 1

    def test_a_failed_payment_fails_the_order(self, order, django_capture_on_commit_callbacks):
        body = rzp_event("payment.failed", order_id=RZP_ORDER["id"], status="failed")

        with django_capture_on_commit_callbacks(execute=True):
            post_webhook(body, webhook_signature(body))

        order.refresh_from_db()
        assert order.status == "failed"

    def test_a_processed_refund_refunds_the_order(
        self, order, buyer, course, django_capture_on_commit_callbacks
    ):
        paid = rzp_event("payment.captured", order_id=RZP_ORDER["id"])
        refund = {"id": "rfnd_1", "entity": "refund", "amount": 49900, "currency": "INR"}
        refunded = rzp_event(
            "refund.processed", order_id=RZP_ORDER["id"], status="refunded", refund=refund
        )

        with django_capture_on_commit_callbacks(execute=True):
            post_webhook(paid, webhook_signature(paid), event_id="evt_a")
            post_webhook(refunded, webhook_signature(refunded), event_id="evt_b")

        order.refresh_from_db()
        assert order.status == "refunded"
        assert not access.has_learner_access(buyer, course)


@pytest.mark.django_db
def test_refund_refunds_the_captured_payment(
    order, buyer_api, razorpay_enabled, django_capture_on_commit_callbacks
):
    body = rzp_event("payment.captured", order_id=RZP_ORDER["id"])
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(body, webhook_signature(body))
    razorpay_enabled.on(
        "GET",
        f"/v1/orders/{RZP_ORDER['id']}/payments",
        Answer(200, {"items": [{"id": "pay_1", "status": "captured", "amount": 49900}]}),
    )
    razorpay_enabled.on(
        "POST", "/v1/payments/pay_1/refund", Answer(200, {"id": "rfnd_1", "entity": "refund"})
    )

    response = buyer_api.post(f"/orders/{order.pk}/refund", {"reason": "Changed my mind"})

    assert response.status_code == 200, response.content
    [call] = razorpay_enabled.calls("POST", "/v1/payments/pay_1/refund")
    assert call.json()["amount"] == 49900
    assert call.json()["receipt"] == f"refund-{order.pk}"


# --- disputes: payment.dispute.created|won|lost ------------------------------------------------
def dispute_event(kind: str, status: str) -> bytes:
    payment = {
        "id": "pay_IH4NVgf4Dreq1l",
        "entity": "payment",
        "amount": 49900,
        "currency": "INR",
        "status": "captured",
        "order_id": RZP_ORDER["id"],
    }
    dispute = {
        "id": "disp_AHfqOvkldwsbqt",
        "entity": "dispute",
        "payment_id": "pay_IH4NVgf4Dreq1l",
        "amount": 49900,
        "currency": "INR",
        "amount_deducted": 0,
        "reason_code": "chargeback",
        "status": status,
        "phase": "chargeback",
    }
    payload = {"payment": {"entity": payment}, "dispute": {"entity": dispute}}
    return json.dumps(
        {"entity": "event", "event": kind, "contains": list(payload), "payload": payload}
    ).encode()


def deliver(body: bytes, event_id: str, capture):
    with capture(execute=True):
        response = post_webhook(body, webhook_signature(body), event_id=event_id)
    assert response.status_code == 200, response.content


@pytest.fixture
def paid(order, django_capture_on_commit_callbacks):
    deliver(
        rzp_event("payment.captured", order_id=RZP_ORDER["id"]),
        "evt_paid",
        django_capture_on_commit_callbacks,
    )
    order.refresh_from_db()
    assert order.status == "paid"
    return order


@pytest.mark.django_db
def test_dispute_created_then_lost_freezes_then_reverses(
    paid, course, django_capture_on_commit_callbacks
):
    deliver(
        dispute_event("payment.dispute.created", "open"),
        "evt_d1",
        django_capture_on_commit_callbacks,
    )

    dispute = Dispute.objects.get()
    assert (dispute.provider, dispute.provider_dispute_id, dispute.status) == (
        "razorpay",
        "disp_AHfqOvkldwsbqt",
        "open",
    )
    assert (dispute.amount, dispute.currency) == (49900, "INR")
    share = ledger.instructor_balances(instructor_id=course.owner_id)["INR"]
    assert share["instructor_pending"] == 0
    assert share["instructor_frozen"] > 0

    deliver(
        dispute_event("payment.dispute.lost", "lost"), "evt_d2", django_capture_on_commit_callbacks
    )

    assert Order.objects.get(pk=paid.pk).status == "charged_back"
    assert not access.has_learner_access(paid.buyer, course)
    assert ledger.instructor_balances(instructor_id=course.owner_id)["INR"] == {
        "instructor_pending": 0,
        "instructor_frozen": 0,
    }


@pytest.mark.django_db
def test_dispute_won_unfreezes(paid, course, django_capture_on_commit_callbacks):
    deliver(
        dispute_event("payment.dispute.created", "open"),
        "evt_d1",
        django_capture_on_commit_callbacks,
    )
    deliver(
        dispute_event("payment.dispute.won", "won"), "evt_d2", django_capture_on_commit_callbacks
    )

    assert Dispute.objects.get().status == "won"
    assert (
        ledger.instructor_balances(instructor_id=course.owner_id)["INR"]["instructor_frozen"] == 0
    )


@pytest.mark.django_db
def test_dispute_other_dispute_events_are_kept_and_ignored(
    paid, django_capture_on_commit_callbacks
):
    deliver(
        dispute_event("payment.dispute.under_review", "under_review"),
        "evt_d1",
        django_capture_on_commit_callbacks,
    )

    event = PaymentEvent.objects.get(event_id="evt_d1")
    assert event.type == "razorpay.payment.dispute.under_review"
    assert Dispute.objects.count() == 0


@pytest.mark.django_db
def test_dispute_a_forged_dispute_is_400(paid):
    body = dispute_event("payment.dispute.lost", "lost")

    response = post_webhook(body, webhook_signature(body, secret="forged"), event_id="evt_d1")

    assert response.status_code == 400
    assert Dispute.objects.count() == 0
    assert Order.objects.get(pk=paid.pk).status == "paid"
