from django import template

from agora.core.money import format_figure

register = template.Library()


@register.filter
def amount(value: int, currency: str) -> str:
    """Minor units as a figure with its currency, zero included: 123456, "USD" → "1,234.56 USD"."""
    return format_figure(int(value or 0), currency)
