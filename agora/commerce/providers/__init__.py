"""Payment providers behind one interface. Only the modules in this package talk to a
provider (and import its SDK)."""

from django.conf import settings

from agora.commerce.providers.base import PaymentProvider, ProviderUnavailable, WebhookEvent
from agora.core.errors import InvalidInput

__all__ = ["PaymentProvider", "ProviderUnavailable", "WebhookEvent", "enabled", "get"]


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
