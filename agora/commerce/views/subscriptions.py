"""Subscription pages: the plans (pricing) page with its subscribe buttons, my subscription
(status, period end, cancel and resume) and the demo provider's pay page for a
subscription's first payment."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agora.accounts.auth import signed_in
from agora.commerce import providers
from agora.commerce.models import Subscription, SubscriptionStatus
from agora.commerce.services import subscription_events, subscriptions
from agora.core.errors import DomainError, NotFound


def plans_page(request: HttpRequest) -> HttpResponse:
    current = None
    if request.user.is_authenticated:
        current = (
            Subscription.objects.filter(user=signed_in(request), status__in=["active", "past_due"])
            .select_related("plan")
            .first()
        )
    return render(
        request,
        "commerce/plans.html",
        {
            "plans": list(subscriptions.active_plans()),
            "current": current,
            "default_currency": settings.DEFAULT_CURRENCY,
        },
    )


@login_required
@require_POST
def subscribe_page(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    plan_id = request.POST.get("plan_id", "")
    try:
        result = subscriptions.subscribe(
            user=user,
            plan_id=int(plan_id) if plan_id.isdigit() else 0,
            currency=request.POST.get("currency") or None,
            provider_name=request.POST.get("provider") or None,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("plans")
    if result.subscription.checkout_url:
        return redirect(result.subscription.checkout_url)
    return redirect("my_subscription")


@login_required
def my_subscription_page(request: HttpRequest) -> HttpResponse:
    try:
        subscription: Subscription | None = subscriptions.current_subscription(
            user=signed_in(request)
        )
    except NotFound:
        subscription = None
    return render(
        request,
        "commerce/my_subscription.html",
        {
            "subscription": subscription,
            "has_access": bool(subscription and subscriptions.has_access(subscription)),
            "access_until": subscription and subscriptions.access_until(subscription),
        },
    )


@login_required
@require_POST
def cancel_subscription_page(request: HttpRequest) -> HttpResponse:
    try:
        subscription = subscriptions.cancel(user=signed_in(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if subscription.status == SubscriptionStatus.CANCELED:
            messages.success(request, "Your subscription is canceled.")
        else:
            messages.success(
                request,
                "Your subscription is canceled: your courses stay open until the end of the "
                "paid period.",
            )
    return redirect("my_subscription")


@login_required
@require_POST
def resume_subscription_page(request: HttpRequest) -> HttpResponse:
    try:
        subscriptions.resume(user=signed_in(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your subscription goes on: it renews at the period's end.")
    return redirect("my_subscription")


def demo_subscription_pay(request: HttpRequest, subscription_id: str) -> HttpResponse:
    """The demo pay page of a subscription's first payment (reached through `demo_pay`)."""
    subscription = (
        Subscription.objects.filter(provider="demo", provider_subscription_id=subscription_id)
        .select_related("plan")
        .first()
    )
    if subscription is None or "demo" not in providers.enabled():
        raise NotFound("There is no such payment.")
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        if outcome in {"succeed", "fail"} and subscription.status == "incomplete":
            subscription_events.demo_outcome(
                subscription_id=subscription_id, succeed=outcome == "succeed"
            )
            return render(
                request,
                "commerce/demo_subscription_pay_done.html",
                {"subscription": subscription, "succeeded": outcome == "succeed"},
            )
    return render(request, "commerce/demo_subscription_pay.html", {"subscription": subscription})


@login_required
@require_POST
def enroll_through_subscription(request: HttpRequest, course_id: int) -> HttpResponse:
    """The course page's "Start with your subscription" button."""
    from agora.catalog import queries as catalog_queries
    from agora.learning import services as learning_services

    user = signed_in(request)
    course = catalog_queries.get_course_for_viewer(user=user, key=str(course_id))
    try:
        learning_services.enroll_free(learner=user, course=course)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("course_detail", slug=course.slug)
    return redirect("learn_course", slug=course.slug)
