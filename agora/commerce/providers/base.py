from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from agora.commerce.errors import CommerceError
from agora.core.errors import DomainError


class ProviderUnavailable(DomainError):
    """The provider timed out or failed on its side: nothing was charged or marked paid."""

    status_code = 503
    code: str = CommerceError.PAYMENT_PROVIDER_UNAVAILABLE
    message = "The payment provider is not answering. Nothing was charged; try again shortly."


class PayoutRejected(DomainError):
    """The provider refused a payout for good (not a passing outage): the payout fails and
    its money goes back to the instructor's available balance."""

    status_code = 409
    code: str = CommerceError.PAYOUT_REJECTED
    message = "The payment provider refused the payout."


class InvalidSignature(DomainError):
    status_code = 400
    code: str = CommerceError.INVALID_SIGNATURE
    message = "The webhook signature is missing, wrong or too old."


class EventType(StrEnum):
    """What every provider's events are reduced to (the demo provider sends these as is)."""

    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    REFUND_SUCCEEDED = "refund.succeeded"
    DISPUTE_CREATED = "dispute.created"
    DISPUTE_WON = "dispute.won"
    DISPUTE_LOST = "dispute.lost"
    # Subscriptions: `payment_id` carries the provider's subscription id.
    SUBSCRIPTION_RENEWED = "subscription.renewed"
    SUBSCRIPTION_PAYMENT_FAILED = "subscription.payment_failed"
    SUBSCRIPTION_CANCELED = "subscription.canceled"


@dataclass(frozen=True)
class PaymentStart:
    payment_id: str
    checkout_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SubscriptionStart:
    """A subscription started at the provider: `payment_id` is its subscription id, and the
    subscriber pays its first period at `checkout_url` (or with `extra` in the browser)."""

    payment_id: str
    checkout_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    customer_id: str = ""


@dataclass(frozen=True)
class WebhookEvent:
    """A provider's event reduced to what the payment pipeline needs."""

    event_id: str
    type: str  # an EventType, or the provider's own type for events the pipeline ignores
    payment_id: str
    amount: int | None
    currency: str
    payload: dict[str, Any]
    dispute_id: str = ""  # the provider's dispute id, for dispute.* events


class PaymentProvider(Protocol):
    name: str

    def start_payment(self, *, order: Any, idempotency_key: str) -> PaymentStart: ...

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        """Verifies the signature (InvalidSignature if it fails) and parses the event."""
        ...

    def refund(self, *, order: Any, idempotency_key: str) -> str: ...

    def payment_state(self, *, payment_id: str) -> WebhookEvent | None:
        """The payment's settled outcome as the provider reports it now (succeeded or
        failed, shaped like the webhook event), or None while it is still open."""
        ...
