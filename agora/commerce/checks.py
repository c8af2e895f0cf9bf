"""System checks of commerce (`manage.py check`, `check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security)
def demo_payments_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """base.py refuses such settings already; this catches a settings module that lists demo
    after importing base.py, which no start-up code would otherwise notice (granian does not
    run system checks, so providers.enabled() drops demo too)."""
    if (
        settings.IS_PRODUCTION
        and "demo" in settings.PAYMENT_PROVIDERS
        and not settings.DEMO_PAYMENTS_IN_PRODUCTION
    ):
        return [
            Error(
                "The demo payment provider is enabled in production: its pay page marks "
                "orders paid without any money.",
                hint="Remove demo from PAYMENT_PROVIDERS, or set "
                "DEMO_PAYMENTS_IN_PRODUCTION=true for a public demo site.",
                id="commerce.E001",
            )
        ]
    return []
