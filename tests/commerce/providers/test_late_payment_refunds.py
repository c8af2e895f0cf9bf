"""The automatic refund of a payment that arrived for an order that could no longer honour
it, through Stripe's real SDK against the fake Stripe API on loopback: one refund with an
idempotency key, however often the payment is reported, and retried while Stripe is down."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from agora.commerce.models import LedgerTransaction, Order
from agora.commerce.providers import ProviderUnavailable
from agora.commerce.providers import stripe as stripe_provider
from agora.commerce.services import checkout, ledger, reconciliation
from tests.commerce.factories import demo_event, published_course
from tests.commerce.providers.fakehttp import Answer
from tests.commerce.providers.test_stripe import (
    SESSION,
    SESSION_ID,
    WEBHOOK_SECRET,
    paid_session,
    post_webhook,
    stripe_event,
    stripe_signature,
)

REFUNDS = "/v1/refunds"
STRIPE_DOWN = Answer(502, {"error": {"type": "api_error", "message": "down"}})
REFUNDED = Answer(200, {"id": "re_1", "object": "refund", "status": "succeeded"})


@pytest.fixture
def stripe_api(settings, fake_api, monkeypatch):
    settings.PAYMENT_PROVIDERS = ["stripe", "demo"]
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake_api.url
    monkeypatch.setattr(stripe_provider, "MAX_NETWORK_RETRIES", 0)
    fake_api.on("POST", "/v1/checkout/sessions", Answer(200, SESSION))
    fake_api.on(
        "GET",
        f"/v1/checkout/sessions/{SESSION_ID}",
        Answer(200, paid_session(payment_intent="pi_1")),
    )
    return fake_api


@pytest.fixture
def replaced_and_sold(stripe_api, buyer):
    """A Stripe order replaced by a demo checkout of the same course, which was paid."""
    course = published_course(price=2000)
    first = checkout.checkout(buyer=buyer, course_ids=[course.pk], provider_name="stripe").order
    replacement = checkout.checkout(buyer=buyer, course_ids=[course.pk], provider_name="demo").order
    demo_event(replacement, "payment.succeeded")
    first.refresh_from_db()
    assert first.status == "canceled"
    return first


def stripe_pays(event_id="evt_paid"):
    payload = stripe_event("checkout.session.completed", paid_session(), event_id=event_id)
    return post_webhook(payload, stripe_signature(payload))


@pytest.mark.django_db
class TestLatePaymentRefund:
    def test_the_payment_is_refunded_once_with_an_idempotency_key(
        self, replaced_and_sold, stripe_api, django_capture_on_commit_callbacks
    ):
        stripe_api.on("POST", REFUNDS, REFUNDED)

        with django_capture_on_commit_callbacks(execute=True):
            first_delivery = stripe_pays()
            redelivery = stripe_pays()
            another_event = stripe_pays(event_id="evt_paid_again")

        assert [r.status_code for r in (first_delivery, redelivery, another_event)] == [200] * 3
        order = Order.objects.get(pk=replaced_and_sold.pk)
        assert (order.status, order.provider_refund_id) == ("auto_refunded", "re_1")
        [refund] = stripe_api.calls("POST", REFUNDS)
        assert refund.form()["payment_intent"] == "pi_1"
        assert refund.header("Idempotency-Key") == f"refund-{order.pk}"
        assert sorted(
            LedgerTransaction.objects.filter(
                kind__in=["unfulfilled_payment", "payment_return"]
            ).values_list("idempotency_key", flat=True)
        ) == [f"return:order:{order.pk}", f"unfulfilled:order:{order.pk}"]

    def test_a_stripe_outage_leaves_the_refund_owed_until_reconciliation_makes_it(
        self, replaced_and_sold, stripe_api, django_capture_on_commit_callbacks
    ):
        stripe_api.on("POST", REFUNDS, STRIPE_DOWN)

        # The job asks to be retried later (jobs run inline here, so the request surfaces).
        with (
            pytest.raises(Retry) as retry,
            django_capture_on_commit_callbacks(execute=True),
        ):
            stripe_pays()

        order = Order.objects.get(pk=replaced_and_sold.pk)
        assert order.status == "refund_pending"
        assert isinstance(retry.value.exc, ProviderUnavailable)
        assert len(stripe_api.calls("POST", REFUNDS)) == 1
        assert ledger.balance(account="refunds_payable", currency="USD") == -2000
        assert not LedgerTransaction.objects.filter(kind="payment_return").exists()

        just_owed = reconciliation.reconcile()  # the job (retrying) is still on it
        later = timezone.now() + timedelta(minutes=10)
        still_down = reconciliation.reconcile(now=later)
        stripe_api.on("POST", REFUNDS, REFUNDED)
        back_up = reconciliation.reconcile(now=later)
        again = reconciliation.reconcile(now=later)

        assert [run["returned"] for run in (just_owed, still_down, back_up, again)] == [0, 0, 1, 0]
        assert len(stripe_api.calls("POST", REFUNDS)) == 3
        order.refresh_from_db()
        assert (order.status, order.provider_refund_id) == ("auto_refunded", "re_1")
        keys = {call.header("Idempotency-Key") for call in stripe_api.calls("POST", REFUNDS)}
        assert keys == {f"refund-{order.pk}"}
        assert ledger.balance(account="refunds_payable", currency="USD") == 0
