"""PayPal over its REST API (Orders v2) with `requests`: create and capture orders, verify
webhooks through PayPal's verify API, refund captures.

The payment id Agora keeps is the PayPal order id. The buyer approves the order on PayPal
(the `approve`/`payer-action` link); the order is then captured (`capture`, also done by
`payment_state` when reconciliation finds an approved order), and the capture's webhook pays
the Agora order.

Webhooks carry PayPal's transmission headers; `parse_webhook` posts them with the raw event
and PAYPAL_WEBHOOK_ID to /v1/notifications/verify-webhook-signature and trusts the event only
on `SUCCESS`. `PAYMENT.CAPTURE.COMPLETED` → `payment.succeeded`, `PAYMENT.CAPTURE.DENIED` →
`payment.failed`, `PAYMENT.CAPTURE.REFUNDED` → `refund.succeeded`.
"""

import json
import logging
from decimal import Decimal
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache

from agora.commerce.providers.base import (
    EventType,
    InvalidSignature,
    PaymentStart,
    ProviderUnavailable,
    WebhookEvent,
)
from agora.core.money import CURRENCY_EXPONENTS

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS: float = 15
ACCESS_CACHE_KEY = "paypal:oauth"
TRANSMISSION_HEADERS = {
    "auth_algo": "Paypal-Auth-Algo",
    "cert_url": "Paypal-Cert-Url",
    "transmission_id": "Paypal-Transmission-Id",
    "transmission_sig": "Paypal-Transmission-Sig",
    "transmission_time": "Paypal-Transmission-Time",
}


def _header(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


def to_value(amount: int, currency: str) -> str:
    """Minor units as PayPal's decimal string: 1999 USD → "19.99", 500 JPY → "500"."""
    exponent = CURRENCY_EXPONENTS.get(currency.upper(), 2)
    return f"{Decimal(amount).scaleb(-exponent):.{exponent}f}"


def to_minor(value: str, currency: str) -> int:
    exponent = CURRENCY_EXPONENTS.get(currency.upper(), 2)
    return int(Decimal(value).scaleb(exponent))


def _base() -> str:
    return str(settings.PAYPAL_API_BASE).rstrip("/")


def _send(method: str, path: str, **kwargs: Any) -> requests.Response:
    """One HTTP call; timeouts, network errors, 429 and 5xx are the provider being
    unavailable."""
    try:
        response = requests.request(method, f"{_base()}{path}", timeout=TIMEOUT_SECONDS, **kwargs)
    except requests.RequestException as exc:
        logger.warning("PayPal is unavailable: %s", exc)
        raise ProviderUnavailable() from exc
    if response.status_code == 429 or response.status_code >= 500:
        logger.warning("PayPal answered %s to %s %s", response.status_code, method, path)
        raise ProviderUnavailable()
    return response


def _access_token() -> str:
    token = cache.get(ACCESS_CACHE_KEY)
    if token:
        return str(token)
    response = _send(
        "POST",
        "/v1/oauth2/token",
        auth=(settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET),
        data={"grant_type": "client_credentials"},
        headers={"Accept": "application/json"},
    )
    if response.status_code != 200:
        logger.error("PayPal refused our credentials: %s", response.status_code)
        raise ProviderUnavailable()
    body = response.json()
    token = str(body["access_token"])
    cache.set(ACCESS_CACHE_KEY, token, max(int(body.get("expires_in", 300)) - 60, 30))
    return token


def _api(
    method: str,
    path: str,
    *,
    body: Any = None,
    raw: bytes | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """An authenticated JSON call; a refused request (4xx) is logged as our bug and shown as
    unavailable to the buyer, since nothing was charged."""
    headers = {"Authorization": f"Bearer {_access_token()}", "Content-Type": "application/json"}
    if request_id:
        headers["PayPal-Request-Id"] = request_id  # PayPal's idempotency key
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    response = _send(method, path, data=data, headers=headers)
    if response.status_code == 401:
        cache.delete(ACCESS_CACHE_KEY)
    if response.status_code >= 400:
        logger.error("PayPal refused %s %s: %s", method, path, response.text[:500])
        raise ProviderUnavailable()
    try:
        return dict(response.json()) if response.content else {}
    except ValueError as exc:
        raise ProviderUnavailable() from exc


def _event(
    event_id: str, kind: str, payment_id: str, amount: dict[str, Any], payload: Any
) -> WebhookEvent:
    currency = str(amount.get("currency_code", "")).upper()
    value = amount.get("value")
    return WebhookEvent(
        event_id=event_id,
        type=kind,
        payment_id=payment_id,
        amount=to_minor(str(value), currency) if value is not None else None,
        currency=currency,
        payload=payload,
    )


def capture(*, payment_id: str) -> dict[str, Any]:
    """Captures an approved order (idempotent: PayPal-Request-Id is derived from the order)."""
    return _api(
        "POST",
        f"/v2/checkout/orders/{payment_id}/capture",
        body={},
        request_id=f"capture-{payment_id}",
    )


class PayPalProvider:
    name = "paypal"

    @staticmethod
    def is_configured() -> bool:
        return bool(
            settings.PAYPAL_CLIENT_ID
            and settings.PAYPAL_CLIENT_SECRET
            and settings.PAYPAL_WEBHOOK_ID
        )

    def start_payment(self, *, order: Any, idempotency_key: str) -> PaymentStart:
        created = _api(
            "POST",
            "/v2/checkout/orders",
            body={
                "intent": "CAPTURE",
                "purchase_units": [
                    {
                        "reference_id": order.number,
                        "invoice_id": order.number,
                        "custom_id": str(order.pk),
                        "amount": {
                            "currency_code": order.currency,
                            "value": to_value(order.total, order.currency),
                        },
                    }
                ],
                "payment_source": {
                    "paypal": {
                        "experience_context": {
                            "user_action": "PAY_NOW",
                            "shipping_preference": "NO_SHIPPING",
                            "return_url": f"{settings.SITE_URL}/orders/{order.pk}/",
                            "cancel_url": f"{settings.SITE_URL}/orders/{order.pk}/?canceled=1",
                        }
                    }
                },
            },
            request_id=idempotency_key,
        )
        links = {link.get("rel"): link.get("href") for link in created.get("links", [])}
        return PaymentStart(
            payment_id=str(created["id"]),
            checkout_url=links.get("payer-action") or links.get("approve"),
        )

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        transmission = {
            field: _header(headers, name) for field, name in TRANSMISSION_HEADERS.items()
        }
        if not all(transmission.values()):
            raise InvalidSignature("The PayPal transmission headers are missing.")
        try:
            payload = json.loads(body)
            event_id = str(payload["id"])
            kind = str(payload["event_type"])
            resource = payload["resource"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidSignature("The webhook body is not a PayPal event.") from exc
        # The event goes back byte for byte: PayPal signs the body it sent, not a re-encoding.
        prefix = json.dumps({**transmission, "webhook_id": settings.PAYPAL_WEBHOOK_ID})[:-1]
        verdict = _api(
            "POST",
            "/v1/notifications/verify-webhook-signature",
            raw=prefix.encode() + b', "webhook_event": ' + body + b"}",
        )
        if verdict.get("verification_status") != "SUCCESS":
            raise InvalidSignature()

        related = (resource.get("supplementary_data") or {}).get("related_ids") or {}
        amount = resource.get("amount") or {}
        if kind == "PAYMENT.CAPTURE.COMPLETED":
            return _event(
                event_id, EventType.PAYMENT_SUCCEEDED, related.get("order_id", ""), amount, payload
            )
        if kind == "PAYMENT.CAPTURE.DENIED":
            return _event(
                event_id, EventType.PAYMENT_FAILED, related.get("order_id", ""), amount, payload
            )
        if kind == "PAYMENT.CAPTURE.REFUNDED":
            order_id = related.get("order_id") or self._order_of_refund(resource)
            return _event(event_id, EventType.REFUND_SUCCEEDED, order_id, amount, payload)
        return WebhookEvent(
            event_id=event_id,
            type=f"paypal.{kind}",
            payment_id=str(related.get("order_id", "")),
            amount=None,
            currency="",
            payload=payload,
        )

    def _order_of_refund(self, refund: dict[str, Any]) -> str:
        """A refund links to its capture ("up"); the capture names its order."""
        up = next((link["href"] for link in refund.get("links", []) if link.get("rel") == "up"), "")
        capture_id = up.rstrip("/").rsplit("/", 1)[-1]
        if not capture_id:
            return ""
        found = _api("GET", f"/v2/payments/captures/{capture_id}")
        return str(
            ((found.get("supplementary_data") or {}).get("related_ids") or {}).get("order_id", "")
        )

    def refund(self, *, order: Any, idempotency_key: str) -> str:
        found = _api("GET", f"/v2/checkout/orders/{order.provider_payment_id}")
        captures = [
            c
            for unit in found.get("purchase_units", [])
            for c in (unit.get("payments") or {}).get("captures", [])
            if c.get("status") in {"COMPLETED", "REFUNDED", "PARTIALLY_REFUNDED"}
        ]
        if not captures:
            raise ProviderUnavailable("PayPal has no captured payment for this order.")
        refunded = _api(
            "POST",
            f"/v2/payments/captures/{captures[0]['id']}/refund",
            body={
                "amount": {
                    "currency_code": order.currency,
                    "value": to_value(order.total, order.currency),
                },
                "invoice_id": f"{order.number}-refund",
                "note_to_payer": f"Refund of order {order.number}",
            },
            request_id=idempotency_key,
        )
        return str(refunded["id"])

    def payment_state(self, *, payment_id: str) -> WebhookEvent | None:
        found = _api("GET", f"/v2/checkout/orders/{payment_id}")
        if found.get("status") == "APPROVED":
            found = capture(payment_id=payment_id)  # approved but never captured: finish it
        for unit in found.get("purchase_units", []):
            for captured in (unit.get("payments") or {}).get("captures", []):
                if captured.get("status") == "COMPLETED":
                    return _event(
                        f"reconcile:{payment_id}:completed",
                        EventType.PAYMENT_SUCCEEDED,
                        payment_id,
                        captured.get("amount") or {},
                        found,
                    )
                if captured.get("status") in {"DECLINED", "FAILED"}:
                    return _event(
                        f"reconcile:{payment_id}:declined",
                        EventType.PAYMENT_FAILED,
                        payment_id,
                        captured.get("amount") or {},
                        found,
                    )
        return None
