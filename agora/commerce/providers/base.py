from dataclasses import dataclass, field
from typing import Any, Protocol

from agora.core.errors import DomainError


class ProviderUnavailable(DomainError):
    """The provider timed out or failed on its side: nothing was charged or marked paid."""

    status_code = 503
    code = "payment_provider_unavailable"
    message = "The payment provider is not answering. Nothing was charged; try again shortly."


class PayoutRejected(DomainError):
    """The provider refused a payout for good (not a passing outage): the payout fails and
    its money goes back to the instructor's available balance."""

    status_code = 409
    code = "payout_rejected"
    message = "The payment provider refused the payout."


class InvalidSignature(DomainError):
    status_code = 400
    code = "invalid_signature"
    message = "The webhook signature is missing, wrong or too old."


@dataclass(frozen=True)
class PaymentStart:
    payment_id: str
    checkout_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookEvent:
    """A provider's event reduced to what the payment pipeline needs."""

    event_id: str
    type: str  # payment.succeeded | payment.failed | refund.succeeded | dispute.created |
    # dispute.won | dispute.lost | other provider types
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
