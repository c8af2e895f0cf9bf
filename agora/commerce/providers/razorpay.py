"""Razorpay through its official SDK: orders paid in Razorpay's client-side Checkout,
signed webhooks, refunds.

The payment id Agora keeps is the Razorpay order id (`order_…`); the buyer's browser opens
Razorpay Checkout with the `extra` fields of the payment start (key_id, order_id, amount,
currency), and Razorpay calls back with `razorpay_payment_id`, `razorpay_order_id` and
`razorpay_signature`, which `verify_checkout_signature` checks. The order is paid only by
the webhook, as with every provider.

Webhooks: header `X-Razorpay-Signature` = hex HMAC-SHA256 of the raw body keyed with
RAZORPAY_WEBHOOK_SECRET; `X-Razorpay-Event-Id` identifies the delivery's event.
`payment.captured` and `order.paid` → `payment.succeeded`, `payment.failed` →
`payment.failed`, `refund.processed` (of the whole payment) → `refund.succeeded`,
`payment.dispute.created`, `payment.dispute.won` and `payment.dispute.lost` →
`dispute.created`, `dispute.won` and `dispute.lost`.

Razorpay Subscriptions: a plan per plan price (reused through `PlanPrice.razorpay_plan_id`)
and a subscription paid on Razorpay's hosted page (`short_url`). `subscription.charged`
→ `subscription.renewed` (the first charge too), `subscription.pending` (a charge failed,
Razorpay retries) and `subscription.halted` (the retries failed) →
`subscription.payment_failed`, `subscription.cancelled` → `subscription.canceled`; their
payment id is the subscription id (`sub_…`) and the charged payment's id makes one
payment of however many events.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import razorpay
import razorpay.errors
import requests
from django.conf import settings

from agora.commerce.providers.base import (
    EventType,
    InvalidSignature,
    PaymentStart,
    ProviderUnavailable,
    SubscriptionStart,
    WebhookEvent,
)
from agora.core.errors import Conflict

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Razorpay-Signature"
EVENT_ID_HEADER = "X-Razorpay-Event-Id"
TIMEOUT_SECONDS: float = 15
DISPUTE_EVENTS = {
    "payment.dispute.created": EventType.DISPUTE_CREATED,
    "payment.dispute.won": EventType.DISPUTE_WON,
    "payment.dispute.lost": EventType.DISPUTE_LOST,
}

SUBSCRIPTION_EVENTS = {
    "subscription.charged": EventType.SUBSCRIPTION_RENEWED,
    "subscription.pending": EventType.SUBSCRIPTION_PAYMENT_FAILED,
    "subscription.halted": EventType.SUBSCRIPTION_PAYMENT_FAILED,
    "subscription.cancelled": EventType.SUBSCRIPTION_CANCELED,
}
# How many periods a Razorpay subscription is created for (Razorpay needs an end).
TOTAL_COUNT = {"month": 120, "year": 10}

T = TypeVar("T")


def _header(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


def _hmac(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def verify_checkout_signature(*, order_id: str, payment_id: str, signature: str) -> bool:
    """What Razorpay Checkout hands the browser after a payment: `razorpay_signature` is the
    hex HMAC-SHA256 of "<razorpay_order_id>|<razorpay_payment_id>" keyed with the key
    secret."""
    expected = _hmac(settings.RAZORPAY_KEY_SECRET, f"{order_id}|{payment_id}".encode())
    return bool(signature) and hmac.compare_digest(expected, signature)


def _client() -> razorpay.Client:
    return razorpay.Client(
        auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET),
        base_url=settings.RAZORPAY_API_BASE.rstrip("/"),
    )


def _call(fn: Callable[[], T]) -> T:
    """Timeouts, network errors and Razorpay's server or gateway errors (5xx, 429) mean the
    provider is unavailable; a refused request is logged as our bug and shown the same way
    to the buyer, since nothing was charged."""
    try:
        return fn()
    except (
        requests.RequestException,
        razorpay.errors.ServerError,
        razorpay.errors.GatewayError,
        ValueError,  # a non-JSON answer, such as a proxy's error page
    ) as exc:
        logger.warning("Razorpay is unavailable: %s", exc)
        raise ProviderUnavailable() from exc
    except razorpay.errors.BadRequestError as exc:
        logger.error("Razorpay refused a request: %s", exc)
        raise ProviderUnavailable() from exc


class RazorpayProvider:
    name = "razorpay"

    @staticmethod
    def is_configured() -> bool:
        return bool(
            settings.RAZORPAY_KEY_ID
            and settings.RAZORPAY_KEY_SECRET
            and settings.RAZORPAY_WEBHOOK_SECRET
        )

    def start_payment(self, *, order: Any, idempotency_key: str) -> PaymentStart:
        # Razorpay orders take no idempotency key; a retry after a timeout may leave an
        # unpaid Razorpay order behind, which charges nobody and expires on its own.
        created = _call(
            lambda: _client().order.create(
                {
                    "amount": order.total,
                    "currency": order.currency,
                    "receipt": order.number,
                    "notes": {"order_id": str(order.pk), "idempotency_key": idempotency_key},
                },
                timeout=TIMEOUT_SECONDS,
            )
        )
        return PaymentStart(
            payment_id=str(created["id"]),
            checkout_url=None,
            extra={
                "key_id": settings.RAZORPAY_KEY_ID,
                "order_id": str(created["id"]),
                "amount": int(created["amount"]),
                "currency": str(created["currency"]),
                "receipt": order.number,
            },
        )

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        signature = _header(headers, SIGNATURE_HEADER)
        expected = _hmac(settings.RAZORPAY_WEBHOOK_SECRET, body)
        if not signature or not hmac.compare_digest(expected, signature):
            raise InvalidSignature()
        try:
            payload = json.loads(body)
            kind = str(payload["event"])
            entities = payload.get("payload", {})
            payment = (entities.get("payment") or {}).get("entity") or {}
            refund = (entities.get("refund") or {}).get("entity") or {}
            order = (entities.get("order") or {}).get("entity") or {}
            dispute = (entities.get("dispute") or {}).get("entity") or {}
            subject = dispute or refund or payment or order
            event_id = _header(headers, EVENT_ID_HEADER) or (
                f"{kind}:{subject.get('id', '')}:{payload.get('created_at', '')}"
            )
            payment_id = str(payment.get("order_id") or order.get("id") or "")
            subscription = (entities.get("subscription") or {}).get("entity") or {}
            if kind in SUBSCRIPTION_EVENTS and subscription:
                charged = kind == "subscription.charged"
                return WebhookEvent(
                    event_id=event_id,
                    type=SUBSCRIPTION_EVENTS[kind],
                    payment_id=str(subscription["id"]),
                    amount=int(payment["amount"]) if charged else None,
                    currency=str(payment.get("currency", "")).upper() if charged else "",
                    payload=payload,
                )
            if kind in {"payment.captured", "order.paid"}:
                return WebhookEvent(
                    event_id=event_id,
                    type=EventType.PAYMENT_SUCCEEDED,
                    payment_id=payment_id,
                    amount=int(payment.get("amount", order.get("amount_paid", 0))),
                    currency=str(payment.get("currency") or order.get("currency", "")).upper(),
                    payload=payload,
                )
            if kind == "payment.failed":
                return WebhookEvent(
                    event_id=event_id,
                    type=EventType.PAYMENT_FAILED,
                    payment_id=payment_id,
                    amount=int(payment.get("amount", 0)),
                    currency=str(payment.get("currency", "")).upper(),
                    payload=payload,
                )
            full_refund = payment.get("status") == "refunded" or (
                refund and int(refund.get("amount", 0)) >= int(payment.get("amount", 0))
            )
            if kind == "refund.processed" and full_refund:
                return WebhookEvent(
                    event_id=event_id,
                    type=EventType.REFUND_SUCCEEDED,
                    payment_id=payment_id,
                    amount=int(refund.get("amount", 0)),
                    currency=str(refund.get("currency", "")).upper(),
                    payload=payload,
                )
            if kind in DISPUTE_EVENTS and dispute:
                return WebhookEvent(
                    event_id=event_id,
                    type=DISPUTE_EVENTS[kind],
                    payment_id=payment_id,
                    amount=int(dispute.get("amount", 0)),
                    currency=str(dispute.get("currency", "")).upper(),
                    payload=payload,
                    dispute_id=str(dispute["id"]),
                )
            return WebhookEvent(
                event_id=event_id,
                type=f"razorpay.{kind}",
                payment_id=payment_id,
                amount=None,
                currency="",
                payload=payload,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidSignature("The webhook body is not a Razorpay event.") from exc

    # --- subscriptions ---------------------------------------------------------------------
    def start_subscription(
        self, *, subscription: Any, price: Any, idempotency_key: str
    ) -> SubscriptionStart:
        client = _client()
        plan_id = price.razorpay_plan_id if not subscription.tax else ""
        if not plan_id:
            plan = _call(
                lambda: client.plan.create(
                    {
                        "period": "monthly" if subscription.interval == "month" else "yearly",
                        "interval": 1,
                        "item": {
                            "name": price.plan.name,
                            "amount": subscription.total,
                            "currency": subscription.currency,
                        },
                        "notes": {"plan_price_id": str(price.pk)},
                    },
                    timeout=TIMEOUT_SECONDS,
                )
            )
            plan_id = str(plan["id"])
            if not subscription.tax:
                type(price).objects.filter(pk=price.pk).update(razorpay_plan_id=plan_id)
        created = _call(
            lambda: client.subscription.create(
                {
                    "plan_id": plan_id,
                    "total_count": TOTAL_COUNT[subscription.interval],
                    "customer_notify": 1,
                    "notes": {
                        "subscription_id": str(subscription.pk),
                        "idempotency_key": idempotency_key,
                    },
                },
                timeout=TIMEOUT_SECONDS,
            )
        )
        return SubscriptionStart(
            payment_id=str(created["id"]),
            checkout_url=str(created.get("short_url") or "") or None,
            extra={"key_id": settings.RAZORPAY_KEY_ID, "subscription_id": str(created["id"])},
        )

    def cancel_subscription(self, *, subscription_id: str, at_period_end: bool) -> None:
        _call(
            lambda: _client().subscription.cancel(
                subscription_id,
                {"cancel_at_cycle_end": 1 if at_period_end else 0},
                timeout=TIMEOUT_SECONDS,
            )
        )

    def resume_subscription(self, *, subscription_id: str) -> None:
        raise Conflict(
            "Razorpay cannot undo a cancel: the subscription ends with its paid period, and "
            "you can subscribe again then.",
            code="subscription_not_resumable",
        )

    @staticmethod
    def subscription_payment_reference(*, payload: dict[str, Any]) -> str:
        """The charged payment's id."""
        payment = ((payload.get("payload") or {}).get("payment") or {}).get("entity") or {}
        return str(payment.get("id") or "")

    def _captured_payment(self, order_id: str) -> dict[str, Any] | None:
        found = _call(lambda: _client().order.payments(order_id, timeout=TIMEOUT_SECONDS))
        for payment in found.get("items", []):
            if payment.get("status") in {"captured", "refunded"}:
                return dict(payment)
        return None

    def refund(self, *, order: Any, idempotency_key: str) -> str:
        payment = self._captured_payment(order.provider_payment_id)
        if payment is None:
            raise ProviderUnavailable("Razorpay has no captured payment for this order.")
        client = _client()
        if payment.get("status") == "refunded":
            # Already refunded (a retry after a lost answer): report that refund.
            refunds = _call(
                lambda: client.payment.fetch_multiple_refund(
                    payment["id"], {}, timeout=TIMEOUT_SECONDS
                )
            )
            if refunds.get("items"):
                return str(refunds["items"][0]["id"])
        refund = _call(
            lambda: client.payment.refund(
                payment["id"],
                {
                    "amount": order.total,
                    "receipt": idempotency_key,
                    "notes": {"order_id": str(order.pk)},
                },
                timeout=TIMEOUT_SECONDS,
            )
        )
        return str(refund["id"])

    def payment_state(self, *, payment_id: str) -> WebhookEvent | None:
        found = _call(lambda: _client().order.fetch(payment_id, timeout=TIMEOUT_SECONDS))
        if found.get("status") != "paid":
            return None  # created or attempted: the buyer may still pay
        return WebhookEvent(
            event_id=f"reconcile:{payment_id}:paid",
            type=EventType.PAYMENT_SUCCEEDED,
            payment_id=payment_id,
            amount=int(found.get("amount_paid", 0)),
            currency=str(found.get("currency", "")).upper(),
            payload=dict(found),
        )
