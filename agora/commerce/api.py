from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from agora.accounts.auth import admin_auth, current_user, instructor_auth, jwt_auth
from agora.commerce import queries
from agora.commerce.downloads import invoice_response
from agora.commerce.models import Coupon, Order, Payout, PayoutAccount
from agora.commerce.schemas import (
    AdminPayoutOut,
    CheckoutIn,
    CheckoutOut,
    CommissionIn,
    CommissionOut,
    CouponIn,
    CouponOut,
    CouponValidateIn,
    CouponValidationOut,
    EarningsOut,
    ManualPayoutIn,
    OnboardingLinkOut,
    OrderOut,
    PayoutAccountIn,
    PayoutAccountOut,
    PayoutOut,
    PayoutRunOut,
    RefundIn,
    WebhookAck,
)
from agora.commerce.services import checkout as checkout_service
from agora.commerce.services import commission, coupons, payments, payouts, refunds
from agora.commerce.services.gifts import GiftRequest
from agora.core import ratelimit
from agora.core.openapi import file_response
from agora.core.pagination import PagePagination
from agora.core.schemas import ErrorOut as E
from agora.core.schemas import Id

router = Router(tags=["commerce"])


@router.post(
    "/checkout",
    auth=jwt_auth,
    response={201: CheckoutOut, 401: E, 404: E, 409: E, 422: E, 503: E},
    summary="Order courses: a zero total is paid at once, otherwise pay at `checkout_url`",
)
def checkout(request: HttpRequest, payload: CheckoutIn) -> Status[dict[str, Any]]:
    result = checkout_service.checkout(
        buyer=current_user(request),
        course_ids=payload.course_ids,
        bundle_ids=payload.bundle_ids,
        coupon_code=payload.coupon,
        provider_name=payload.provider,
        country=payload.country,
        gift=GiftRequest(**payload.gift.dict()) if payload.gift else None,
    )
    order = queries.get_order_for_viewer(user=current_user(request), order_id=result.order.pk)
    return Status(201, {"order": order, "payment": result.payment})


@router.get("/orders", auth=jwt_auth, response={200: list[OrderOut], 401: E}, summary="My orders")
@paginate(PagePagination)
def my_orders(request: HttpRequest) -> QuerySet[Order]:
    return queries.orders_of(user=current_user(request))


@router.get(
    "/orders/{order_id}",
    auth=jwt_auth,
    response={200: OrderOut, 401: E, 404: E},
    summary="One of my orders (admins: any order)",
)
def get_order(request: HttpRequest, order_id: int) -> Order:
    return queries.get_order_for_viewer(user=current_user(request), order_id=order_id)


@router.get(
    "/orders/{order_id}/invoice",
    auth=jwt_auth,
    response={200: None, 401: E, 404: E, 409: E},
    summary="The order's invoice as a PDF (once paid)",
    openapi_extra=file_response("application/pdf", "The invoice."),
)
def order_invoice(request: HttpRequest, order_id: int) -> HttpResponse:
    order = queries.get_order_for_viewer(user=current_user(request), order_id=order_id)
    return invoice_response(order)


@router.post(
    "/orders/{order_id}/refund",
    auth=jwt_auth,
    response={200: OrderOut, 401: E, 403: E, 404: E, 409: E, 422: E, 503: E},
    summary="Refund an order in full: access ends (buyers within the refund window; admins)",
)
def refund_order(request: HttpRequest, order_id: int, payload: RefundIn) -> Order:
    user = current_user(request)
    order = queries.get_order_for_viewer(user=user, order_id=order_id)
    refunds.request_refund(actor=user, order=order, reason=payload.reason)
    return queries.get_order_for_viewer(user=user, order_id=order_id)


@router.post(
    "/coupons",
    auth=instructor_auth,
    response={201: CouponOut, 401: E, 403: E, 404: E, 409: E, 422: E},
    summary="Create a coupon (instructors for their own courses, admins for any)",
)
def create_coupon(request: HttpRequest, payload: CouponIn) -> Status[Coupon]:
    return Status(201, coupons.create_coupon(creator=current_user(request), **payload.dict()))


@router.post(
    "/coupons/validate",
    response={200: CouponValidationOut, 404: E, 422: E},
    summary="What a coupon takes off these courses (coupon_expired, coupon_exhausted, "
    "coupon_not_applicable when it does not)",
)
def validate_coupon(request: HttpRequest, payload: CouponValidateIn) -> dict[str, object]:
    # Codes are short secrets: make guessing them slow.
    ratelimit.hit_per_address(request, group="coupon-validate", rate="60/h")
    return coupons.validate_coupon(code=payload.code, course_ids=payload.course_ids)


@router.get(
    "/instructor/earnings",
    auth=instructor_auth,
    response={200: EarningsOut, 401: E, 403: E},
    summary="My earnings: in escrow (pending), available, paid out and lifetime",
)
def my_earnings(request: HttpRequest) -> dict[str, object]:
    return refunds.earnings(instructor=current_user(request))


@router.get(
    "/instructor/payouts",
    auth=instructor_auth,
    response={200: list[PayoutOut], 401: E, 403: E},
    summary="My payouts, newest first",
)
@paginate(PagePagination)
def my_payouts(request: HttpRequest) -> QuerySet[Payout]:
    return queries.payouts_of(instructor=current_user(request))


def _account_out(account: PayoutAccount | None) -> dict[str, object]:
    if account is None:
        return {
            "method": "manual",
            "onboarding_status": "not_started",
            "has_stripe_account": False,
            "manual_details": "",
        }
    return {
        "method": account.method,
        "onboarding_status": account.onboarding_status,
        "has_stripe_account": bool(account.stripe_account_id),
        "manual_details": account.manual_details,
    }


@router.get(
    "/instructor/payouts/account",
    auth=instructor_auth,
    response={200: PayoutAccountOut, 401: E, 403: E},
    summary="How I am paid: Stripe Connect (and its onboarding state) or manually",
)
def my_payout_account(request: HttpRequest) -> dict[str, object]:
    return _account_out(payouts.payout_account(instructor=current_user(request)))


@router.put(
    "/instructor/payouts/account",
    auth=instructor_auth,
    response={200: PayoutAccountOut, 401: E, 403: E, 422: E},
    summary="Be paid manually by an admin, to the account these details describe",
)
def set_my_payout_account(request: HttpRequest, payload: PayoutAccountIn) -> dict[str, object]:
    account = payouts.set_manual_details(
        instructor=current_user(request), details=payload.manual_details
    )
    return _account_out(account)


@router.post(
    "/instructor/payouts/stripe/onboard",
    auth=instructor_auth,
    response={200: OnboardingLinkOut, 401: E, 403: E, 409: E, 503: E},
    summary="Connect Stripe: the URL of Stripe's onboarding for my Express account",
)
def stripe_onboard(request: HttpRequest) -> dict[str, str]:
    return {"url": payouts.start_stripe_onboarding(instructor=current_user(request))}


@router.get(
    "/admin/payouts",
    auth=admin_auth,
    response={200: list[AdminPayoutOut], 401: E, 403: E},
    summary="Every payout, newest first (filter by `status`, `instructor_id`)",
    tags=["admin"],
)
@paginate(PagePagination)
def admin_payouts(
    request: HttpRequest, status: str | None = None, instructor_id: Id | None = None
) -> QuerySet[Payout]:
    return queries.payouts_for_admin(status=status, instructor_id=instructor_id)


@router.post(
    "/admin/payouts",
    auth=admin_auth,
    response={201: AdminPayoutOut, 401: E, 403: E, 404: E, 409: E, 422: E},
    summary="Record a manual payout (paid outside Agora) from an instructor's available balance",
    tags=["admin"],
)
def record_payout(request: HttpRequest, payload: ManualPayoutIn) -> Status[Payout]:
    payout = payouts.record_manual_payout(
        admin=current_user(request),
        instructor=queries.get_instructor(instructor_id=payload.instructor_id),
        amount=payload.amount,
        currency=payload.currency,
        reference=payload.reference,
        note=payload.note,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, queries.payouts_for_admin().get(pk=payout.pk))


@router.post(
    "/admin/payouts/run",
    auth=admin_auth,
    response={200: PayoutRunOut, 401: E, 403: E},
    summary="Run the scheduled payouts now (the daily job does the same)",
    tags=["admin"],
)
def run_payouts(request: HttpRequest) -> dict[str, int]:
    return payouts.run_scheduled_payouts()


@router.post(
    "/payments/webhooks/{provider}",
    response={200: WebhookAck, 400: E, 404: E},
    summary="Payment provider webhooks (signature checked; each event processed once)",
)
def webhook(request: HttpRequest, provider: str) -> dict[str, object]:
    event = payments.receive_webhook(
        provider_name=provider, body=request.body, headers=dict(request.headers)
    )
    return {"received": True, "event_id": event.event_id}


def _commission_out(basis_points: int) -> dict[str, float]:
    return {"rate_percent": basis_points / 100}


@router.get(
    "/admin/settings/commission",
    auth=admin_auth,
    response={200: CommissionOut, 401: E, 403: E},
    summary="The platform's commission on each sale (admins)",
    tags=["admin"],
)
def get_commission(request: HttpRequest) -> dict[str, float]:
    return _commission_out(commission.platform_settings().commission_basis_points)


@router.put(
    "/admin/settings/commission",
    auth=admin_auth,
    response={200: CommissionOut, 401: E, 403: E, 422: E},
    summary="Set the commission for future orders (each order keeps the rate it used)",
    tags=["admin"],
)
def set_commission(request: HttpRequest, payload: CommissionIn) -> dict[str, float]:
    settings_row = commission.set_global_commission(
        admin=current_user(request), rate_percent=payload.rate_percent
    )
    return _commission_out(settings_row.commission_basis_points)
