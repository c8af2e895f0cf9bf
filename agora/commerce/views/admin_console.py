"""The admin console's transactions and payouts pages."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agora.accounts.auth import signed_in
from agora.commerce import providers, queries
from agora.commerce.exports import ledger_csv
from agora.commerce.forms import (
    ManualPayoutForm,
    TransactionFilterForm,
)
from agora.commerce.models import (
    PayoutStatus,
)
from agora.commerce.services import payouts
from agora.commerce.views.common import PAGE_SIZE
from agora.core.errors import DomainError, InvalidInput
from agora.core.money import format_money
from agora.core.pagination import page_from_request
from agora.core.permissions import staff_required


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
