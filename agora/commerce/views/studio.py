"""The instructor's money pages: earnings and payout settings (Stripe Connect or manual)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agora.accounts.auth import signed_in
from agora.accounts.models import User
from agora.commerce import permissions, providers, queries
from agora.commerce.forms import (
    ManualDetailsForm,
)
from agora.commerce.models import (
    OnboardingStatus,
    PayoutMethod,
)
from agora.commerce.services import payouts, refunds
from agora.commerce.views.common import PAGE_SIZE
from agora.core.errors import DomainError, InvalidInput
from agora.core.pagination import page_from_request


# --- instructor earnings ---------------------------------------------------------------------
@login_required
def earnings(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not permissions.can_sell(user):
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
    if not permissions.can_sell(user):
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
