from django import template

from agora.core.money import CURRENCY_EXPONENTS

register = template.Library()


@register.filter
def amount(value: int, currency: str) -> str:
    """Minor units as a figure with its currency, zero included: 123456, "USD" → "1,234.56 USD"."""
    value = int(value or 0)
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    sign = "-" if value < 0 else ""
    if exponent == 0:
        return f"{sign}{abs(value):,} {currency}"
    major, minor = divmod(abs(value), 10**exponent)
    return f"{sign}{major:,}.{minor:0{exponent}d} {currency}"
