"""Payment providers behind one interface. Only the modules in this package talk to a
provider (and import its SDK)."""

from typing import TYPE_CHECKING

from django.conf import settings

from agora.commerce.errors import CommerceError
from agora.commerce.providers.base import (
    PaymentProvider,
    PayoutRejected,
    ProviderUnavailable,
    WebhookEvent,
)
from agora.core.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from agora.commerce.providers.stripe import StripeProvider

__all__ = [
    "PaymentProvider",
    "PayoutRejected",
    "ProviderUnavailable",
    "WebhookEvent",
    "enabled",
    "get",
    "stripe_connect",
    "stripe_connect_available",
]


def _registry() -> dict[str, type[PaymentProvider]]:
    from agora.commerce.providers.demo import DemoProvider
    from agora.commerce.providers.paypal import PayPalProvider
    from agora.commerce.providers.razorpay import RazorpayProvider
    from agora.commerce.providers.stripe import StripeProvider

    return {
        "demo": DemoProvider,
        "stripe": StripeProvider,
        "razorpay": RazorpayProvider,
        "paypal": PayPalProvider,
    }


def enabled() -> list[str]:
    """The providers listed in PAYMENT_PROVIDERS that are known and configured (their keys
    set), in the order listed."""
    known = _registry()
    return [
        name
        for name in settings.PAYMENT_PROVIDERS
        if name in known and getattr(known[name], "is_configured", lambda: True)()
    ]


def get(name: str) -> PaymentProvider:
    if name not in enabled():
        raise InvalidInput(
            fields={"provider": [f"Choose one of the enabled providers: {', '.join(enabled())}."]}
        )
    return _registry()[name]()


def stripe_connect_available() -> bool:
    """Whether instructors can be paid through Stripe Connect (the secret key is set)."""
    return bool(settings.STRIPE_SECRET_KEY)


def stripe_connect() -> "StripeProvider":
    """Stripe for Connect onboarding and payout transfers."""
    if not stripe_connect_available():
        raise Conflict(
            "Payouts through Stripe are not set up on this platform; an admin pays you "
            "manually instead.",
            code=CommerceError.STRIPE_CONNECT_UNAVAILABLE,
        )
    from agora.commerce.providers.stripe import StripeProvider

    return StripeProvider()
