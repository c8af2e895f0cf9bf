"""The offline sandbox provider: its hosted pay page is served by Agora itself, and its
webhooks are signed and shaped as shared/API.md defines, so other tools can drive it too.

Header `Demo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed with
DEMO_WEBHOOK_SECRET; a timestamp more than five minutes off is refused.

Besides API.md's `payment.succeeded`, `payment.failed` and `refund.succeeded`, the sandbox
knows chargebacks: `dispute.created`, `dispute.won` and `dispute.lost`, with the same body
shape plus an optional `data.dispute_id` (default `dp_<payment_id>`).

Subscriptions (API.md): `subscription.renewed` (a period paid; the first payment of a new
subscription is one too, sent by its pay page), `subscription.payment_failed` and
`subscription.canceled` (the provider ended it), with `data: {subscription_id, amount,
currency}` and an optional `data.invoice_id`: two events with the same invoice id are one
payment. `subscription_id` is the `payment.subscription_id` of `POST /subscriptions`.
"""

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from django.conf import settings
from django.urls import reverse

from agora.commerce.providers.base import (
    EventType,
    InvalidSignature,
    PaymentStart,
    SubscriptionStart,
    WebhookEvent,
)

TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "Demo-Signature"


def sign(body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    key = (secret or settings.DEMO_WEBHOOK_SECRET).encode()
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


DISPUTE_EVENT_TYPES = (EventType.DISPUTE_CREATED, EventType.DISPUTE_WON, EventType.DISPUTE_LOST)


def event_body(
    *,
    event_type: str,
    payment_id: str,
    amount: int,
    currency: str,
    dispute_id: str | None = None,
    event_id: str | None = None,
) -> bytes:
    data: dict[str, Any] = {"payment_id": payment_id, "amount": amount, "currency": currency}
    if dispute_id:
        data["dispute_id"] = dispute_id
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "type": event_type,
            "created": int(time.time()),
            "data": data,
        }
    ).encode()


SUBSCRIPTION_EVENT_TYPES = (
    EventType.SUBSCRIPTION_RENEWED,
    EventType.SUBSCRIPTION_PAYMENT_FAILED,
    EventType.SUBSCRIPTION_CANCELED,
)


def subscription_event_body(
    *,
    event_type: str,
    subscription_id: str,
    amount: int,
    currency: str,
    event_id: str | None = None,
    created: int | None = None,
    invoice_id: str | None = None,
) -> bytes:
    data: dict[str, Any] = {
        "subscription_id": subscription_id,
        "amount": amount,
        "currency": currency,
    }
    if invoice_id:
        data["invoice_id"] = invoice_id
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "type": event_type,
            "created": int(time.time()) if created is None else created,
            "data": data,
        }
    ).encode()


class DemoProvider:
    name = "demo"

    @staticmethod
    def is_configured() -> bool:
        """Always in development; in production only with DEMO_PAYMENTS_IN_PRODUCTION (the
        settings refuse to start otherwise, and this holds even for settings that list demo
        later): its pay page would give courses away."""
        return not settings.IS_PRODUCTION or settings.DEMO_PAYMENTS_IN_PRODUCTION

    def start_payment(self, *, order: Any, idempotency_key: str) -> PaymentStart:
        # Unguessable, and the same for the same key: a retried start gives the same payment.
        digest = hmac.new(
            settings.DEMO_WEBHOOK_SECRET.encode(), idempotency_key.encode(), hashlib.sha256
        ).hexdigest()
        payment_id = f"demo_{digest[:32]}"
        url = reverse("demo_pay", kwargs={"payment_id": payment_id})
        return PaymentStart(payment_id=payment_id, checkout_url=f"{settings.SITE_URL}{url}")

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        header = headers.get(SIGNATURE_HEADER, "")
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError as exc:
            raise InvalidSignature() from exc
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise InvalidSignature("The webhook timestamp is more than five minutes off.")
        expected = sign(body, timestamp=timestamp).split("v1=", 1)[1]
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            raise InvalidSignature()
        try:
            payload = json.loads(body)
            data = payload["data"]
            kind = str(payload["type"])
            if kind in SUBSCRIPTION_EVENT_TYPES:
                payment_id = str(data["subscription_id"])
            else:
                payment_id = str(data["payment_id"])
            dispute_id = ""
            if kind in DISPUTE_EVENT_TYPES:
                # A payment has at most one dispute, so its id may be left out.
                dispute_id = str(data.get("dispute_id") or f"dp_{payment_id}")
            return WebhookEvent(
                event_id=str(payload["id"]),
                type=kind,
                payment_id=payment_id,
                amount=int(data["amount"]) if data.get("amount") is not None else None,
                currency=str(data.get("currency", "")).upper(),
                payload=payload,
                dispute_id=dispute_id,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidSignature("The webhook body is not a demo event.") from exc

    def start_subscription(
        self, *, subscription: Any, price: Any, idempotency_key: str
    ) -> SubscriptionStart:
        digest = hmac.new(
            settings.DEMO_WEBHOOK_SECRET.encode(), idempotency_key.encode(), hashlib.sha256
        ).hexdigest()
        subscription_id = f"demo_sub_{digest[:32]}"
        url = reverse("demo_pay", kwargs={"payment_id": subscription_id})
        return SubscriptionStart(
            payment_id=subscription_id, checkout_url=f"{settings.SITE_URL}{url}"
        )

    def cancel_subscription(self, *, subscription_id: str, at_period_end: bool) -> None:
        # The sandbox bills nothing by itself: renewals are events sent to it.
        return None

    def resume_subscription(self, *, subscription_id: str) -> None:
        return None

    def payment_state(self, *, payment_id: str) -> WebhookEvent | None:
        # The sandbox settles only through its pay page, whose events are stored at once;
        # there is nothing more to ask it.
        return None

    def refund(self, *, order: Any, idempotency_key: str) -> str:
        return f"demo_refund_{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex}"
