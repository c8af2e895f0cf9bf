"""Helpers for Django forms on every app's pages."""

from decimal import Decimal
from typing import Any

from agora.core import money
from agora.core.errors import InvalidInput


def add_service_errors(
    form: Any, error: InvalidInput, mapping: dict[str, str] | None = None
) -> None:
    """A service's refusal shown on the form, each message on its field when there is one."""
    mapping = mapping or {}
    if not error.fields:
        form.add_error(None, error.message)
    for field, problems in error.fields.items():
        name = mapping.get(field, field)
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


def clean_price(form: Any, cleaned: dict[str, Any]) -> int | None:
    """The form's `price` (in major units, with its `currency`) in minor units, or None with
    the reason added to the price field: too precise for the currency, or above what Agora
    allows."""
    price: Decimal | None = cleaned.get("price")
    currency = cleaned.get("currency")
    if price is None or not currency:
        return None
    try:
        minor = money.to_minor(price, currency)
    except money.TooPrecise as error:
        form.add_error("price", str(error))
        return None
    if minor > money.MAX_PRICE_MINOR:
        form.add_error("price", "That price is higher than Agora allows.")
        return None
    return minor
