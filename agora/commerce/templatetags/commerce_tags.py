from collections.abc import Iterable
from typing import Any

from django import template

from agora.commerce import queries
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


NO_SALES: dict[str, Any] = {"sales": 0, "amounts": []}


@register.simple_tag
def course_sales(courses: Iterable[Any]) -> dict[int, dict[str, Any]]:
    """`{% course_sales courses as sales %}`: the sales of a list of courses, in one query."""
    return queries.course_sales([course.pk for course in courses])


@register.filter
def sales_of(sales: dict[int, dict[str, Any]], course: Any) -> dict[str, Any]:
    """`{{ sales|sales_of:course }}`: one course's sales (none when it never sold)."""
    return sales.get(course.pk, NO_SALES)
