from django import template

from agora.core.money import CURRENCY_EXPONENTS, format_money

register = template.Library()


@register.filter
def money(amount: int, currency: str) -> str:
    """`{{ order.total|money:order.currency }}` → "19.99 USD" (or "Free")."""
    return format_money(int(amount), currency)


@register.filter
def balance(amount: int, currency: str) -> str:
    """Like `money`, but a zero balance reads "0.00 USD", not "Free"."""
    if int(amount):
        return format_money(int(amount), currency)
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    return f"0.{'0' * exponent} {currency}" if exponent else f"0 {currency}"
