from django import template

from agora.core.money import format_money

register = template.Library()


@register.filter
def money(amount: int, currency: str) -> str:
    """`{{ order.total|money:order.currency }}` → "19.99 USD" (or "Free")."""
    return format_money(int(amount), currency)
