from collections.abc import Iterable
from typing import Any

from django import template

from agora.commerce import queries
from agora.commerce.services import bundles, coupons, wishlist
from agora.core.errors import DomainError
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


@register.simple_tag(takes_context=True)
def course_offer(context: Any, course: Any) -> dict[str, Any] | None:
    """`{% course_offer course as offer %}`: the coupon in the page's address (`?coupon=`)
    when it takes something off this course: its code, what it takes off and the price after.
    None when there is none or it does not apply (the checkout checks it again)."""
    request = context.get("request")
    code = (request.GET.get("coupon", "") if request is not None else "").strip()[:40]
    if not code or not course.is_published or not course.price:
        return None
    try:
        found = coupons.validate_coupon(code=code, course_ids=[course.pk])
    except DomainError:
        return None
    if not found["discount"]:
        return None
    return {
        "code": found["code"],
        "percent_off": found["percent_off"],
        "discount": found["discount"],
        "price": course.price - found["discount"],
    }


@register.inclusion_tag("commerce/partials/wishlist_heart.html", takes_context=True)
def wishlist_heart(context: Any, course: Any, *, large: bool = False) -> dict[str, Any]:
    """`{% wishlist_heart course %}`: the heart that puts a course on the signed-in viewer's
    wishlist (or takes it off). Their wished ids are read once per request, however many
    cards a page shows."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"course": course, "show": False}
    wished = getattr(request, "_wished_course_ids", None)
    if wished is None:
        wished = wishlist.wished_course_ids(user=user)
        request._wished_course_ids = wished
    return {
        "course": course,
        "show": course.is_published,
        "wished": course.pk in wished,
        "large": large,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("commerce/partials/course_bundles.html")
def course_bundles(course: Any) -> dict[str, Any]:
    """`{% course_bundles course %}`: the bundles on sale that include the course."""
    found = list(bundles.bundles_on_sale().filter(entries__course_id=course.pk)[:5])
    return {"bundles": found}
