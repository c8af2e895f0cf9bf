"""Buying and owning: the cart, checkout, orders (invoices, refunds), and the demo provider's
hosted pay page."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from agora.accounts.auth import signed_in
from agora.catalog import access
from agora.catalog import queries as catalog_queries
from agora.catalog.models import Course
from agora.commerce import providers, queries
from agora.commerce.downloads import invoice_response
from agora.commerce.errors import CommerceError
from agora.commerce.forms import (
    CheckoutForm,
    RefundForm,
)
from agora.commerce.models import (
    Order,
    OrderStatus,
)
from agora.commerce.services import checkout as checkout_service
from agora.commerce.services import coupons, payments, reconciliation, refunds
from agora.core import ratelimit
from agora.core.errors import DomainError, NotFound
from agora.core.htmx import is_htmx

CART_SESSION_KEY = "cart"


# --- the cart (a list of course ids in the session) ------------------------------------------
def _cart_ids(request: HttpRequest) -> list[int]:
    stored = request.session.get(CART_SESSION_KEY, [])
    return [int(course_id) for course_id in stored if str(course_id).isdigit()]


def _save_cart(request: HttpRequest, course_ids: list[int]) -> None:
    request.session[CART_SESSION_KEY] = list(dict.fromkeys(course_ids))


def _cart_courses(request: HttpRequest) -> list[Course]:
    """The cart's courses that are still on sale, in the order they were added. Courses the
    buyer owns by now (bought, or they teach it) leave the cart with a note."""
    ids = _cart_ids(request)
    found = {
        course.pk: course
        for course in Course.objects.published().select_related("owner").filter(pk__in=ids)
    }
    courses = [found[course_id] for course_id in ids if course_id in found]
    if request.user.is_authenticated:
        owned = [
            course
            for course in courses
            if access.has_learner_access(request.user, course)
            or access.can_edit_course(request.user, course)
        ]
        for course in owned:
            messages.info(request, f"You already have “{course.title}”: it left your cart.")
        courses = [course for course in courses if course not in owned]
    if [course.pk for course in courses] != ids:
        _save_cart(request, [course.pk for course in courses])
    return courses


def _cart_context(courses: list[Course]) -> dict[str, Any]:
    currencies = sorted({course.currency for course in courses})
    return {
        "courses": courses,
        "currencies": currencies,
        "is_mixed": len(currencies) > 1,
        "currency": currencies[0] if len(currencies) == 1 else "",
        "subtotal": sum(course.price for course in courses) if len(currencies) == 1 else 0,
    }


def cart(request: HttpRequest) -> HttpResponse:
    context = _cart_context(_cart_courses(request))
    return render(request, "commerce/cart.html", context)


@require_POST
def cart_add(request: HttpRequest, course_id: int) -> HttpResponse:
    course = catalog_queries.get_course_for_viewer(user=request.user, key=course_id)
    if not course.is_published:
        raise NotFound("This course is not on sale.", code=CommerceError.COURSE_NOT_FOUND)
    _save_cart(request, [*_cart_ids(request), course.pk])
    if is_htmx(request):
        return render(request, "commerce/partials/cart_added.html", {"course": course})
    messages.success(request, f"“{course.title}” is in your cart.")
    return redirect("cart")


@require_POST
def cart_remove(request: HttpRequest, course_id: int) -> HttpResponse:
    _save_cart(request, [pk for pk in _cart_ids(request) if pk != course_id])
    if is_htmx(request):
        context = {**_cart_context(_cart_courses(request)), "oob": True}
        return render(request, "commerce/partials/cart_contents.html", context)
    messages.success(request, "The course left your cart.")
    return redirect("cart")


# --- buying ----------------------------------------------------------------------------------
def _to_payment(request: HttpRequest, result: checkout_service.CheckoutResult) -> HttpResponse:
    """Off to the provider's pay page; a free order is paid already."""
    checkout_url = result.payment.get("checkout_url")
    if checkout_url:
        return redirect(checkout_url)
    if result.order.status == OrderStatus.PAID:
        messages.success(request, "You are enrolled. Enjoy the course!")
    return redirect("order_detail", order_id=result.order.pk)


@require_POST
def buy(request: HttpRequest, course_id: int) -> HttpResponse:
    """ "Buy now" and "Enroll for free" on the course page: a checkout of that one course."""
    course = catalog_queries.get_course_for_viewer(user=request.user, key=course_id)
    course_url = reverse("course_detail", kwargs={"slug": course.slug})
    if not request.user.is_authenticated:
        return redirect_to_login(course_url)
    coupon_code = request.POST.get("coupon", "").strip()[:40] or None
    try:
        result = checkout_service.checkout(
            buyer=signed_in(request), course_ids=[course.pk], coupon_code=coupon_code
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(course_url)
    if result.order.total == 0:
        messages.success(request, f"You are enrolled in “{course.title}”. Enjoy the course!")
        return redirect("learn_course", slug=course.slug)
    return _to_payment(request, result)


def _summary(courses: list[Course], coupon_code: str, country: str) -> dict[str, Any]:
    """What the checkout page shows before the order exists: the coupon's discount (from the
    coupon service, or the reason it does not apply) and the tax line for the country."""
    cart = _cart_context(courses)
    summary: dict[str, Any] = {
        **cart,
        "coupon_code": coupon_code,
        "coupon": None,
        "coupon_error": None,
        "discount": 0,
    }
    if not courses or cart["is_mixed"]:
        return summary
    if coupon_code:
        try:
            summary["coupon"] = coupons.validate_coupon(
                code=coupon_code, course_ids=[course.pk for course in courses]
            )
        except DomainError as error:
            summary["coupon_error"] = error
        else:
            summary["discount"] = summary["coupon"]["discount"]
    taxable = cart["subtotal"] - summary["discount"]
    tax, tax_basis_points = checkout_service.tax_for(taxable, country)
    summary.update(
        tax=tax,
        tax_percent=f"{tax_basis_points / 100:g}",
        country=country,
        total=taxable + tax,
    )
    return summary


@login_required
def checkout(request: HttpRequest) -> HttpResponse:
    courses = _cart_courses(request)
    form = CheckoutForm(request.POST or None)
    if request.method == "POST" and courses and form.is_valid():
        try:
            result = checkout_service.checkout(
                buyer=signed_in(request),
                course_ids=[course.pk for course in courses],
                coupon_code=form.cleaned_data["coupon"] or None,
                provider_name=form.cleaned_data["provider"] or None,
                country=form.cleaned_data["country"] or "",
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            return _to_payment(request, result)
    values = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    context = {
        "form": form,
        "summary": _summary(courses, values.get("coupon", ""), values.get("country", "")),
    }
    return render(request, "commerce/checkout.html", context)


@login_required
@require_POST
def checkout_summary(request: HttpRequest) -> HttpResponse:
    """The live part of the checkout page (htmx): coupon check, tax line and total."""
    form = CheckoutForm(request.POST)
    form.is_valid()  # a partial form: only the coupon and the country matter here
    coupon_code = form.cleaned_data.get("coupon", "")
    if coupon_code:
        # Codes are short secrets: make guessing them slow, as the API does.
        ratelimit.hit_per_address(request, group="coupon-validate", rate="60/h")
    summary = _summary(_cart_courses(request), coupon_code, form.cleaned_data.get("country", ""))
    return render(request, "commerce/partials/checkout_summary.html", {"summary": summary})


# --- orders ----------------------------------------------------------------------------------
@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    orders = list(queries.orders_of(user=signed_in(request)))
    return render(
        request,
        "commerce/order_list.html",
        {
            "orders": orders,
            "refund_form": RefundForm(),
            "refund_days": refunds.refund_window().days,
        },
    )


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = queries.get_order_for_viewer(user=signed_in(request), order_id=order_id)
    if not is_htmx(request) and reconciliation.settle_on_return(order=order):
        order = queries.get_order_for_viewer(user=signed_in(request), order_id=order_id)
    items = list(order.items.select_related("course"))
    bought = {item.course_id for item in items} if order.status == OrderStatus.PAID else set()
    cart_changed = bool(bought & set(_cart_ids(request)))
    if cart_changed:  # what was just bought leaves the cart (and the header's count)
        _save_cart(
            request, [course_id for course_id in _cart_ids(request) if course_id not in bought]
        )
    context = {
        "order": order,
        "items": items,
        "tax_percent": f"{order.tax_basis_points / 100:g}",
        "cart_changed": cart_changed,
    }
    if is_htmx(request):
        response = render(request, "commerce/partials/order_status.html", context)
    else:
        response = render(request, "commerce/order_detail.html", context)
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def order_invoice(request: HttpRequest, order_id: int) -> HttpResponse:
    order = queries.get_order_for_viewer(user=signed_in(request), order_id=order_id)
    return invoice_response(order)


@login_required
@require_POST
def order_refund(request: HttpRequest, order_id: int) -> HttpResponse:
    user = signed_in(request)
    order = queries.get_order_for_viewer(user=user, order_id=order_id)
    form = RefundForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        refunds.request_refund(actor=user, order=order, reason=reason or "Requested by the buyer.")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Order {order.number} is refunded; the money goes back to how you paid."
        )
    return redirect("order_list")


# --- the demo provider's hosted pay page -----------------------------------------------------
def demo_pay(request: HttpRequest, payment_id: str) -> HttpResponse:
    """The demo provider's hosted pay page (its form posts back here with `outcome`); there
    is none while the demo provider is not enabled (production, unless opted in)."""
    order = Order.objects.filter(provider="demo", provider_payment_id=payment_id).first()
    if order is None and payment_id.startswith("demo_sub_"):
        from agora.commerce.views.subscriptions import demo_subscription_pay

        return demo_subscription_pay(request, payment_id)
    if order is None or "demo" not in providers.enabled():
        raise NotFound("There is no such payment.", code=CommerceError.PAYMENT_NOT_FOUND)
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        if outcome in {"succeed", "fail"} and order.status == "pending":
            payments.demo_outcome(payment_id=payment_id, succeed=outcome == "succeed")
            return render(
                request,
                "commerce/demo_pay_done.html",
                {"order": order, "succeeded": outcome == "succeed"},
            )
    return render(request, "commerce/demo_pay.html", {"order": order, "payment_id": payment_id})
