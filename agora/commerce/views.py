"""The commerce pages: buying from the course page, the cart, checkout, order confirmation,
purchase history (invoices, refunds), instructor earnings and payout settings, the admin
transactions and payouts pages, and the demo provider's pay page.
Each view reads through `queries`, writes through `services` and renders; amounts, coupons,
tax and refund rules live in the services (a domain error becomes a message or an error page).
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from agora.accounts.auth import signed_in
from agora.accounts.models import User
from agora.catalog import access
from agora.catalog import queries as catalog_queries
from agora.catalog.models import Course
from agora.commerce import providers, queries
from agora.commerce.downloads import invoice_response
from agora.commerce.exports import ledger_csv
from agora.commerce.forms import (
    CheckoutForm,
    ManualDetailsForm,
    ManualPayoutForm,
    RefundForm,
    TransactionFilterForm,
)
from agora.commerce.models import (
    OnboardingStatus,
    Order,
    OrderStatus,
    PayoutMethod,
    PayoutStatus,
)
from agora.commerce.services import checkout as checkout_service
from agora.commerce.services import coupons, payments, payouts, refunds
from agora.core import ratelimit
from agora.core.errors import DomainError, InvalidInput, NotFound
from agora.core.htmx import is_htmx
from agora.core.money import format_money
from agora.core.pagination import page_from_request
from agora.core.permissions import staff_required

PAGE_SIZE = 25
View = Callable[..., HttpResponse]

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
        raise NotFound("This course is not on sale.", code="course_not_found")
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
    try:
        result = checkout_service.checkout(buyer=signed_in(request), course_ids=[course.pk])
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
    orders = list(queries.orders_of(user=request.user))
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
    order = queries.get_order_for_viewer(user=request.user, order_id=order_id)
    if not is_htmx(request) and payments.settle_on_return(order=order):
        order = queries.get_order_for_viewer(user=request.user, order_id=order_id)
    context = {
        "order": order,
        "items": list(order.items.select_related("course")),
        "tax_percent": f"{order.tax_basis_points / 100:g}",
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
    order = queries.get_order_for_viewer(user=request.user, order_id=order_id)
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


# --- instructor earnings ---------------------------------------------------------------------
@login_required
def earnings(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not (user.is_instructor or user.is_staff):
        messages.info(request, "Earnings are for instructors. Become one to sell courses.")
        return redirect("studio")
    period = request.GET.get("period", "day")
    if period not in queries.CHART_PERIODS:
        period = "day"
    summary = refunds.earnings(instructor=user)
    currency = str(summary["currency"])
    context = {
        "earnings": summary,
        "period": period,
        "periods": [(key, label) for key, (label, _, _) in queries.CHART_PERIODS.items()],
        "period_label": queries.CHART_PERIODS[period][0],
        "chart": queries.sales_chart(instructor=user, currency=currency, period=period),
        "date_format": "M Y" if period == "month" else "j M Y",
    }
    return render(request, "commerce/earnings.html", context)


# --- instructor payout settings --------------------------------------------------------------
def _instructor_or_studio(request: HttpRequest, what: str) -> User | None:
    user = signed_in(request)
    if not (user.is_instructor or user.is_staff):
        messages.info(request, f"{what} are for instructors. Become one to sell courses.")
        return None
    return user


@login_required
def payout_settings(request: HttpRequest) -> HttpResponse:
    user = _instructor_or_studio(request, "Payouts")
    if user is None:
        return redirect("studio")
    return _payout_settings_page(request, user)


def _payout_settings_page(
    request: HttpRequest, user: User, form: ManualDetailsForm | None = None
) -> HttpResponse:
    account = payouts.payout_account(instructor=user)
    if (
        account is not None
        and account.method == PayoutMethod.STRIPE
        and account.onboarding_status == OnboardingStatus.PENDING
        and providers.stripe_connect_available()
    ):
        try:
            account = payouts.refresh_onboarding(instructor=user)
        except DomainError:
            messages.warning(request, "Stripe is not answering; your account state may be old.")
    if form is None:
        initial = {"details": account.manual_details} if account else {}
        form = ManualDetailsForm(initial=initial)
    context = {
        "earnings": refunds.earnings(instructor=user),
        "account": account,
        "form": form,
        "stripe_available": providers.stripe_connect_available(),
        "minimum": settings.PAYOUT_MINIMUM,
        "page": page_from_request(
            request, queries.payouts_of(instructor=user), page_size=PAGE_SIZE
        ),
    }
    return render(request, "commerce/payouts.html", context, status=422 if form.errors else 200)


def _to_stripe_onboarding(request: HttpRequest) -> HttpResponse:
    try:
        url = payouts.start_stripe_onboarding(instructor=signed_in(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("studio_payouts")
    return redirect(url)


@login_required
@require_POST
def payout_stripe_onboard(request: HttpRequest) -> HttpResponse:
    return _to_stripe_onboarding(request)


@login_required
def payout_stripe_refresh(request: HttpRequest) -> HttpResponse:
    """Stripe sends the instructor here when an onboarding link expired: a fresh one (the
    Stripe account exists already, so this only asks Stripe for a new link)."""
    account = payouts.payout_account(instructor=signed_in(request))
    if account is None or not account.stripe_account_id:
        return redirect("studio_payouts")
    return _to_stripe_onboarding(request)


@login_required
def payout_stripe_return(request: HttpRequest) -> HttpResponse:
    """Where Stripe's onboarding sends the instructor back."""
    try:
        account = payouts.refresh_onboarding(instructor=signed_in(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if account is not None and account.is_stripe_ready:
            messages.success(request, "Stripe is connected: your payouts go there.")
        elif account is not None and account.stripe_account_id:
            messages.info(request, "Stripe still needs a few details before it can pay you.")
    return redirect("studio_payouts")


@login_required
@require_POST
def payout_manual(request: HttpRequest) -> HttpResponse:
    user = _instructor_or_studio(request, "Payouts")
    if user is None:
        return redirect("studio")
    form = ManualDetailsForm(request.POST)
    if form.is_valid():
        try:
            payouts.set_manual_details(instructor=user, details=form.cleaned_data["details"])
        except InvalidInput as error:
            for message in error.fields.get("details", [error.message]):
                form.add_error("details", message)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("studio_payouts")
        else:
            messages.success(request, "Saved: an admin pays you to these details.")
            return redirect("studio_payouts")
    return _payout_settings_page(request, user, form=form)


# --- admin console: transactions and payouts -------------------------------------------------
@staff_required
def admin_transactions(request: HttpRequest) -> HttpResponse:
    form = TransactionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    transactions = queries.ledger_transactions(
        kind=filters.get("kind") or None,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    if request.GET.get("export") == "csv":
        return ledger_csv(queries.ledger_entries_of(transactions).iterator())
    query = request.GET.copy()
    query.pop("page", None)
    query["export"] = "csv"
    context = {
        "form": form,
        "page": page_from_request(request, transactions, page_size=PAGE_SIZE),
        "export_query": query.urlencode(),
        "owed_back": queries.payments_owed_back(),
    }
    return render(request, "commerce/admin_transactions.html", context)


def _admin_payouts_page(
    request: HttpRequest, form: ManualPayoutForm | None = None, status: int = 200
) -> HttpResponse:
    status_filter = request.GET.get("status", "")
    if status_filter not in PayoutStatus.values:
        status_filter = ""
    if form is None:
        initial = {
            "idempotency_key": uuid.uuid4().hex,
            "currency": settings.DEFAULT_CURRENCY,
        }
        for field in ("instructor", "amount", "currency"):
            if request.GET.get(field):
                initial[field] = request.GET[field]
        form = ManualPayoutForm(initial=initial)
    context = {
        "form": form,
        "status_filter": status_filter,
        "statuses": PayoutStatus.choices,
        "page": page_from_request(
            request, queries.payouts_for_admin(status=status_filter or None), page_size=PAGE_SIZE
        ),
        "due": queries.manual_payouts_due(minimum=settings.PAYOUT_MINIMUM),
        "minimum": settings.PAYOUT_MINIMUM,
        "default_currency": settings.DEFAULT_CURRENCY,
        "stripe_available": providers.stripe_connect_available(),
    }
    return render(request, "commerce/admin_payouts.html", context, status=status)


@staff_required
def admin_payouts(request: HttpRequest) -> HttpResponse:
    return _admin_payouts_page(request)


@staff_required
@require_POST
def admin_payout_record(request: HttpRequest) -> HttpResponse:
    form = ManualPayoutForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        instructor = queries.find_user_by_email(email=data["instructor"])
        if instructor is None:
            form.add_error("instructor", "Nobody has this email address.")
        else:
            try:
                payout = payouts.record_manual_payout(
                    admin=signed_in(request),
                    instructor=instructor,
                    amount=data["amount_minor"],
                    currency=data["currency"],
                    reference=data["reference"],
                    note=data["note"],
                    idempotency_key=data["idempotency_key"],
                )
            except InvalidInput as error:
                for field, problems in error.fields.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    f"Recorded a payout of {format_money(payout.amount, payout.currency)} to "
                    f"{instructor.email}.",
                )
                return redirect("admin_payouts")
    return _admin_payouts_page(request, form=form, status=422)


@staff_required
@require_POST
def admin_payouts_run(request: HttpRequest) -> HttpResponse:
    result = payouts.run_scheduled_payouts()
    messages.success(
        request,
        f"Payout run: {result['paid']} paid, {result['failed']} failed, {result['pending']} "
        f"waiting for Stripe, {result['manual_due']} to pay manually.",
    )
    return redirect("admin_payouts")


# --- the demo provider's hosted pay page -----------------------------------------------------
def demo_pay(request: HttpRequest, payment_id: str) -> HttpResponse:
    """The demo provider's hosted pay page (its form posts back here with `outcome`); there
    is none while the demo provider is not enabled (production, unless opted in)."""
    order = Order.objects.filter(provider="demo", provider_payment_id=payment_id).first()
    if order is None or "demo" not in providers.enabled():
        raise NotFound("There is no such payment.", code="payment_not_found")
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
