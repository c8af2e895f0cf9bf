"""Stripe through its official SDK: Checkout Sessions, signed webhooks, refunds, and
Connect Express accounts and transfers for instructor payouts.

The payment id Agora keeps is the Checkout Session id (`cs_…`): it exists as soon as the
buyer is sent to pay, and the session events carry it. Events about a PaymentIntent or a
charge are traced back to their session.

Stripe's event types become the pipeline's:
- `checkout.session.completed` (paid) and `checkout.session.async_payment_succeeded`
  → `payment.succeeded`; a completed session still waiting for an asynchronous payment
  method is stored and ignored until its outcome arrives;
- `checkout.session.async_payment_failed` and `checkout.session.expired` → `payment.failed`;
- `charge.refunded` (the whole charge) → `refund.succeeded`;
- `charge.dispute.created` → `dispute.created`; `charge.dispute.closed` → `dispute.won`
  (status `won`, or `warning_closed`: an inquiry that never took the money) or
  `dispute.lost` (status `lost`).
Stripe Billing (subscriptions): `invoice.paid` → `subscription.renewed` (the first invoice
too), `invoice.payment_failed` → `subscription.payment_failed`, and
`customer.subscription.deleted` → `subscription.canceled`; their payment id is the
subscription id (`sub_…`), and the invoice id makes one payment of however many events.
A `payment_intent.payment_failed` is kept as `stripe.payment_intent.payment_failed` and
changes nothing: on a Checkout page a declined card does not end the session, the buyer may
try another card, so only the session's own outcome fails the order.
"""

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import stripe
from django.conf import settings

from agora.commerce.providers.base import (
    EventType,
    InvalidSignature,
    PaymentStart,
    PayoutRejected,
    ProviderUnavailable,
    SubscriptionStart,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Stripe-Signature"
TOLERANCE_SECONDS = stripe.Webhook.DEFAULT_TOLERANCE  # five minutes, as Stripe recommends
TIMEOUT_SECONDS: float = 15
# The SDK retries network errors, 409, 429 and 5xx itself, with the same idempotency key.
MAX_NETWORK_RETRIES = 2

T = TypeVar("T")


def _header(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


def _client() -> stripe.StripeClient:
    base = settings.STRIPE_API_BASE.rstrip("/")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base} if base else None,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
        max_network_retries=MAX_NETWORK_RETRIES,
    )


@contextmanager
def _unavailable_on_error() -> Iterator[None]:
    """Timeouts, network errors, 429 and 5xx (after the SDK's retries) are the provider being
    unavailable; any other refusal is logged as our bug and shown the same way to the buyer,
    since nothing was charged."""
    try:
        yield
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        logger.warning("Stripe is unavailable: %s", exc)
        raise ProviderUnavailable() from exc
    except stripe.StripeError as exc:
        logger.error("Stripe refused a request: %s", exc)
        raise ProviderUnavailable() from exc


def _call(fn: Callable[[], T]) -> T:
    with _unavailable_on_error():
        return fn()


def _call_for_payout(fn: Callable[[], T]) -> T:
    """Like `_call`, but a refusal (an invalid request, a restricted account, too little
    platform balance) is final: PayoutRejected, so the payout fails instead of waiting."""
    try:
        return fn()
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        logger.warning("Stripe is unavailable for a payout: %s", exc)
        raise ProviderUnavailable() from exc
    except stripe.StripeError as exc:
        logger.error("Stripe refused a payout: %s", exc)
        raise PayoutRejected(f"Stripe refused the transfer: {exc.user_message or exc}") from exc


def _as_dict(stripe_object: Any) -> dict[str, Any]:
    return dict(json.loads(str(stripe_object)))


@dataclass(frozen=True)
class ConnectAccountState:
    details_submitted: bool
    transfers_active: bool

    @property
    def is_complete(self) -> bool:
        return self.details_submitted and self.transfers_active


DISPUTE_CLOSED_TYPES = {
    "won": EventType.DISPUTE_WON,
    "warning_closed": EventType.DISPUTE_WON,
    "lost": EventType.DISPUTE_LOST,
}


def line_items(order: Any) -> list[dict[str, Any]]:
    """The order's courses at their discounted prices, plus tax, summing to the total."""
    currency = order.currency.lower()
    lines: list[dict[str, Any]] = [
        {
            "quantity": 1,
            "price_data": {
                "currency": currency,
                "unit_amount": item.price - item.discount,
                "product_data": {"name": item.title},
            },
        }
        for item in order.items.all()
        if item.price - item.discount > 0
    ]
    if order.tax:
        lines.append(
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency,
                    "unit_amount": order.tax,
                    "product_data": {"name": "Tax"},
                },
            }
        )
    if sum(line["price_data"]["unit_amount"] for line in lines) != order.total:
        lines = [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency,
                    "unit_amount": order.total,
                    "product_data": {"name": f"Order {order.number}"},
                },
            }
        ]
    return lines


def _session_event(event_id: str, kind: str, session: dict[str, Any], payload: Any) -> WebhookEvent:
    amount = session.get("amount_total")
    return WebhookEvent(
        event_id=event_id,
        type=kind,
        payment_id=str(session["id"]),
        amount=int(amount) if amount is not None else None,
        currency=str(session.get("currency") or "").upper(),
        payload=payload,
    )


INVOICE_EVENTS = {
    "invoice.paid": EventType.SUBSCRIPTION_RENEWED,
    "invoice.payment_failed": EventType.SUBSCRIPTION_PAYMENT_FAILED,
}


def _invoice_subscription(invoice: dict[str, Any]) -> str:
    """The invoice's subscription id: a top-level field on older API versions, under
    `parent.subscription_details` on newer ones."""
    found = invoice.get("subscription")
    if not found:
        details = (invoice.get("parent") or {}).get("subscription_details") or {}
        found = details.get("subscription")
    if isinstance(found, dict):
        found = found.get("id")
    return str(found or "")


class StripeProvider:
    name = "stripe"

    @staticmethod
    def is_configured() -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)

    def start_payment(self, *, order: Any, idempotency_key: str) -> PaymentStart:
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": line_items(order),
            "success_url": (
                f"{settings.SITE_URL}/orders/{order.pk}/?session_id={{CHECKOUT_SESSION_ID}}"
            ),
            "cancel_url": f"{settings.SITE_URL}/orders/{order.pk}/?canceled=1",
            "client_reference_id": str(order.pk),
            "metadata": {"order_id": str(order.pk), "order_number": order.number},
            "payment_intent_data": {
                "metadata": {"order_id": str(order.pk), "order_number": order.number}
            },
        }
        if getattr(order.buyer, "email", ""):
            params["customer_email"] = order.buyer.email
        session = _call(
            lambda: _client().v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        )
        return PaymentStart(payment_id=session.id, checkout_url=session.url)

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        try:
            stripe.Webhook.construct_event(
                body,
                _header(headers, SIGNATURE_HEADER),
                settings.STRIPE_WEBHOOK_SECRET,
                tolerance=TOLERANCE_SECONDS,
            )
            payload = json.loads(body)
            event_id = str(payload["id"])
            kind = str(payload["type"])
            obj = payload["data"]["object"]
        except stripe.SignatureVerificationError as exc:
            raise InvalidSignature() from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidSignature("The webhook body is not a Stripe event.") from exc

        if kind in {"checkout.session.completed", "checkout.session.async_payment_succeeded"}:
            if obj.get("payment_status") in {"paid", "no_payment_required"}:
                return _session_event(event_id, EventType.PAYMENT_SUCCEEDED, obj, payload)
            return _session_event(event_id, f"stripe.{kind}", obj, payload)
        if kind in INVOICE_EVENTS and _invoice_subscription(obj):
            paid = obj.get("amount_paid") if kind == "invoice.paid" else obj.get("amount_due")
            return WebhookEvent(
                event_id=event_id,
                type=INVOICE_EVENTS[kind],
                payment_id=_invoice_subscription(obj),
                amount=int(paid) if paid is not None else None,
                currency=str(obj.get("currency") or "").upper(),
                payload=payload,
            )
        if kind == "customer.subscription.deleted":
            return WebhookEvent(
                event_id=event_id,
                type=EventType.SUBSCRIPTION_CANCELED,
                payment_id=str(obj["id"]),
                amount=None,
                currency=str(obj.get("currency") or "").upper(),
                payload=payload,
            )
        if kind in {"checkout.session.async_payment_failed", "checkout.session.expired"}:
            return _session_event(event_id, EventType.PAYMENT_FAILED, obj, payload)
        if kind == "charge.refunded" and obj.get("refunded") and obj.get("payment_intent"):
            return WebhookEvent(
                event_id=event_id,
                type=EventType.REFUND_SUCCEEDED,
                payment_id=self._session_id_for(str(obj["payment_intent"])),
                amount=int(obj.get("amount_refunded") or 0),
                currency=str(obj.get("currency") or "").upper(),
                payload=payload,
            )
        if kind in {"charge.dispute.created", "charge.dispute.closed"}:
            dispute_type = (
                EventType.DISPUTE_CREATED
                if kind == "charge.dispute.created"
                else DISPUTE_CLOSED_TYPES.get(str(obj.get("status")), f"stripe.{kind}")
            )
            return WebhookEvent(
                event_id=event_id,
                type=dispute_type,
                payment_id=self._session_id_for_dispute(obj),
                amount=int(obj["amount"]) if obj.get("amount") is not None else None,
                currency=str(obj.get("currency") or "").upper(),
                payload=payload,
                dispute_id=str(obj.get("id") or ""),
            )
        payment_id = obj.get("id", "") if str(obj.get("object")) == "checkout.session" else ""
        return WebhookEvent(
            event_id=event_id,
            type=f"stripe.{kind}",
            payment_id=str(payment_id),
            amount=None,
            currency="",
            payload=payload,
        )

    def _session_id_for(self, payment_intent_id: str) -> str:
        sessions = _call(
            lambda: _client().v1.checkout.sessions.list(
                {"payment_intent": payment_intent_id, "limit": 1}
            )
        )
        return str(sessions.data[0].id) if sessions.data else ""

    def _session_id_for_dispute(self, dispute: dict[str, Any]) -> str:
        """Disputes name the charge and (on current API versions) its PaymentIntent."""
        payment_intent = dispute.get("payment_intent")
        if not payment_intent and dispute.get("charge"):
            charge_id = str(dispute["charge"])
            charge = _call(lambda: _client().v1.charges.retrieve(charge_id))
            payment_intent = _as_dict(charge).get("payment_intent")
        if isinstance(payment_intent, dict):
            payment_intent = payment_intent.get("id")
        return self._session_id_for(str(payment_intent)) if payment_intent else ""

    def refund(self, *, order: Any, idempotency_key: str) -> str:
        client = _client()
        session = _call(lambda: client.v1.checkout.sessions.retrieve(order.provider_payment_id))
        payment_intent = session.payment_intent
        if payment_intent is None:
            raise ProviderUnavailable("Stripe has no payment for this order to refund.")
        payment_intent_id = payment_intent if isinstance(payment_intent, str) else payment_intent.id
        refund = _call(
            lambda: client.v1.refunds.create(
                {
                    "payment_intent": payment_intent_id,
                    "metadata": {"order_id": str(order.pk), "order_number": order.number},
                },
                {"idempotency_key": idempotency_key},
            )
        )
        return str(refund.id)

    def payment_state(self, *, payment_id: str) -> WebhookEvent | None:
        session = _call(lambda: _client().v1.checkout.sessions.retrieve(payment_id))
        data = json.loads(str(session))
        if data.get("status") == "complete" and data.get("payment_status") in {
            "paid",
            "no_payment_required",
        }:
            return _session_event(
                f"reconcile:{payment_id}:paid", EventType.PAYMENT_SUCCEEDED, data, data
            )
        if data.get("status") == "expired":
            return _session_event(
                f"reconcile:{payment_id}:expired", EventType.PAYMENT_FAILED, data, data
            )
        return None

    # --- Billing: subscriptions -----------------------------------------------------------
    def start_subscription(
        self, *, subscription: Any, price: Any, idempotency_key: str
    ) -> SubscriptionStart:
        """A customer, a recurring price of the subscription's total and an incomplete
        subscription whose first invoice the subscriber pays in the browser (Stripe.js with
        `client_secret`). A plan price's `stripe_price_id` is used when set (no tax)."""
        client = _client()
        user = subscription.user
        customer = _call(
            lambda: client.v1.customers.create(
                {"email": user.email, "metadata": {"agora_user_id": str(user.pk)}},
                {"idempotency_key": f"{idempotency_key}-customer"},
            )
        )
        price_id = price.stripe_price_id if price.stripe_price_id and not subscription.tax else ""
        if not price_id:
            created_price = _call(
                lambda: client.v1.prices.create(
                    {
                        "currency": subscription.currency.lower(),
                        "unit_amount": subscription.total,
                        "recurring": {"interval": subscription.interval},
                        "product_data": {"name": price.plan.name},
                    },
                    {"idempotency_key": f"{idempotency_key}-price"},
                )
            )
            price_id = str(created_price.id)
        created = _call(
            lambda: client.v1.subscriptions.create(
                {
                    "customer": str(customer.id),
                    "items": [{"price": price_id}],
                    "payment_behavior": "default_incomplete",
                    "payment_settings": {"save_default_payment_method": "on_subscription"},
                    "metadata": {"agora_subscription_id": str(subscription.pk)},
                    "expand": ["latest_invoice.confirmation_secret"],
                },
                {"idempotency_key": idempotency_key},
            )
        )
        data = _as_dict(created)
        invoice = data.get("latest_invoice") or {}
        secret = (invoice.get("confirmation_secret") or {}).get("client_secret", "")
        return SubscriptionStart(
            payment_id=str(data["id"]),
            extra={"client_secret": secret} if secret else {},
            customer_id=str(customer.id),
        )

    def cancel_subscription(self, *, subscription_id: str, at_period_end: bool) -> None:
        if at_period_end:
            _call(
                lambda: _client().v1.subscriptions.update(
                    subscription_id, {"cancel_at_period_end": True}
                )
            )
        else:
            _call(lambda: _client().v1.subscriptions.cancel(subscription_id))

    def resume_subscription(self, *, subscription_id: str) -> None:
        _call(
            lambda: _client().v1.subscriptions.update(
                subscription_id, {"cancel_at_period_end": False}
            )
        )

    @staticmethod
    def subscription_payment_reference(*, payload: dict[str, Any]) -> str:
        """The invoice id of an invoice event."""
        obj = (payload.get("data") or {}).get("object") or {}
        return str(obj.get("id") or "") if obj.get("object") == "invoice" else ""

    # --- Connect: instructor payouts -------------------------------------------------------
    def create_express_account(
        self, *, email: str, instructor_id: int, idempotency_key: str
    ) -> str:
        """A Connect Express account that can receive transfers; returns its id (`acct_…`)."""
        params: dict[str, Any] = {
            "type": "express",
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"agora_user_id": str(instructor_id)},
        }
        if email:
            params["email"] = email
        account = _call(
            lambda: _client().v1.accounts.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        )
        return str(account.id)

    def onboarding_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        """A short-lived URL of Stripe's hosted onboarding for the account."""
        link = _call(
            lambda: _client().v1.account_links.create(
                {
                    "account": account_id,
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                    "type": "account_onboarding",
                }
            )
        )
        return str(link.url)

    def connect_account_state(self, *, account_id: str) -> ConnectAccountState:
        data = _as_dict(_call(lambda: _client().v1.accounts.retrieve(account_id)))
        capabilities = data.get("capabilities") or {}
        return ConnectAccountState(
            details_submitted=bool(data.get("details_submitted")),
            transfers_active=capabilities.get("transfers") == "active",
        )

    def transfer(
        self,
        *,
        account_id: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        look_up_first: bool = False,
    ) -> str:
        """Sends `amount` to the connected account; returns the transfer id. The key is both
        the idempotency key and the transfer group, so a retry after Stripe forgot the key
        (24 hours) finds the earlier transfer instead of paying twice (`look_up_first`).
        ProviderUnavailable: try again later; PayoutRejected: it will not go through."""
        client = _client()
        if look_up_first:
            found = _call_for_payout(
                lambda: client.v1.transfers.list({"transfer_group": idempotency_key, "limit": 1})
            )
            if found.data:
                return str(found.data[0].id)
        transfer = _call_for_payout(
            lambda: client.v1.transfers.create(
                {
                    "amount": amount,
                    "currency": currency.lower(),
                    "destination": account_id,
                    "transfer_group": idempotency_key,
                    "metadata": {"payout": idempotency_key},
                },
                {"idempotency_key": idempotency_key},
            )
        )
        return str(transfer.id)
