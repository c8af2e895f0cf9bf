"""Payment providers behind one interface. Only the modules in this package talk to a
provider (and import its SDK)."""

from django.conf import settings

from agora.commerce.providers.base import PaymentProvider, ProviderUnavailable, WebhookEvent
from agora.core.errors import InvalidInput

__all__ = ["PaymentProvider", "ProviderUnavailable", "WebhookEvent", "enabled", "get"]


def _registry() -> dict[str, type[PaymentProvider]]:
    from agora.commerce.providers.demo import DemoProvider

    return {"demo": DemoProvider}


def enabled() -> list[str]:
    known = _registry()
    return [name for name in settings.PAYMENT_PROVIDERS if name in known]


def get(name: str) -> PaymentProvider:
    if name not in enabled():
        raise InvalidInput(
            fields={"provider": [f"Choose one of the enabled providers: {', '.join(enabled())}."]}
        )
    return _registry()[name]()
