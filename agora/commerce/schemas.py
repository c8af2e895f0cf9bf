from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from agora.commerce.services.coupons import MAX_COUPON_USES
from agora.core.money import MAX_AMOUNT_MINOR, MAX_PRICE_MINOR
from agora.core.schemas import Id


class CommissionIn(Schema):
    rate_percent: Decimal = Field(ge=0, le=100, description="From 0 to 100, at most two decimals.")


class CommissionOut(Schema):
    rate_percent: float


class GiftIn(Schema):
    email: str = Field(max_length=254, description="The recipient's email address.")
    message: str = Field("", max_length=1000)
    deliver_at: datetime | None = Field(
        None, description="When to email the recipient (default: as soon as it is paid)."
    )


class CheckoutIn(Schema):
    course_ids: list[Id] = Field(default_factory=list, max_length=20)
    bundle_ids: list[Id] = Field(
        default_factory=list,
        max_length=20,
        description="Bundles to buy beside `course_ids` (at least one course or bundle).",
    )
    coupon: str | None = Field(None, max_length=40)
    provider: str | None = Field(None, max_length=20, description="Default: the first enabled.")
    country: str = Field("", max_length=2, description="The buyer's country (ISO 3166), for tax.")
    gift: GiftIn | None = Field(
        None, description="Buy one course for someone else; the buyer is not enrolled."
    )


class OrderItemOut(Schema):
    course_id: int
    title: str
    price: int
    discount: int
    bundle_id: int | None = Field(
        None, description="Bought in this bundle: `price` is the course's share of it."
    )


class OrderGiftOut(Schema):
    email: str
    status: str
    deliver_at: datetime | None
    sent_at: datetime | None
    redeemed_at: datetime | None


class OrderOut(Schema):
    id: int
    number: str
    status: str
    items: list[OrderItemOut]
    subtotal: int
    discount: int
    tax: int
    total: int
    currency: str
    tax_country: str
    provider: str
    coupon: str | None
    created_at: datetime
    paid_at: datetime | None
    refunded_at: datetime | None
    gift: OrderGiftOut | None = Field(None, description="Set when the order is a gift.")

    @staticmethod
    def resolve_gift(order: Any) -> dict[str, Any] | None:
        gift = getattr(order, "gift", None)
        if gift is None:
            return None
        return {
            "email": gift.recipient_email,
            "status": gift.status,
            "deliver_at": gift.deliver_at,
            "sent_at": gift.sent_at,
            "redeemed_at": gift.redeemed_at,
        }

    @staticmethod
    def resolve_items(order: Any) -> list[Any]:
        return list(order.items.all())

    @staticmethod
    def resolve_coupon(order: Any) -> str | None:
        return order.coupon.code if order.coupon_id else None


class CheckoutOut(Schema):
    order: OrderOut
    payment: dict[str, Any] = Field(
        description="`{provider, payment_id, checkout_url?, ...provider fields}`."
    )


class WebhookAck(Schema):
    received: bool
    event_id: str


class RefundIn(Schema):
    reason: str = Field("", max_length=1000)


class CurrencyEarningsOut(Schema):
    currency: str
    pending: int
    available: int
    frozen: int
    paid_out: int
    lifetime: int


class EarningsOut(CurrencyEarningsOut):
    """The main currency's figures, and every currency in `by_currency`."""

    by_currency: list[CurrencyEarningsOut]


class CouponIn(Schema):
    code: str = Field(max_length=40)
    percent_off: int | None = Field(None, ge=1, le=100)
    amount_off: int | None = Field(
        None, ge=1, le=MAX_PRICE_MINOR, description="Minor units; needs `currency`."
    )
    currency: str = Field("", max_length=3)
    max_uses: int | None = Field(None, ge=1, le=MAX_COUPON_USES)
    expires_at: datetime | None = None
    course_id: Id | None = Field(None, description="Only this course (default: all of yours).")


class CouponOut(Schema):
    id: int
    code: str
    percent_off: int | None
    amount_off: int | None
    currency: str
    course_id: int | None
    max_uses: int | None
    uses: int
    expires_at: datetime | None
    is_active: bool


class CouponValidateIn(Schema):
    code: str = Field(max_length=40)
    course_ids: list[Id] = Field(min_length=1, max_length=20)


class CouponValidationOut(Schema):
    code: str
    valid: bool
    percent_off: int | None
    amount_off: int | None
    applies_to: list[int]
    discount: int
    currency: str
    expires_at: datetime | None


class PayoutOut(Schema):
    id: int
    amount: int = Field(description="Minor units.")
    currency: str
    method: str = Field(description="`stripe` or `manual`.")
    status: str = Field(description="`pending`, `paid` or `failed`.")
    provider_reference: str = Field(description="Stripe's transfer id, or the admin's note.")
    failure_reason: str
    created_at: datetime
    paid_at: datetime | None


class AdminPayoutOut(PayoutOut):
    instructor_id: int
    instructor_email: str
    recorded_by_id: int | None
    note: str

    @staticmethod
    def resolve_instructor_email(payout: Any) -> str:
        return str(payout.instructor.email)


class ManualPayoutIn(Schema):
    instructor_id: Id
    amount: int = Field(
        gt=0, le=MAX_AMOUNT_MINOR, description="Minor units, at most the available balance."
    )
    currency: str | None = Field(
        None, min_length=3, max_length=3, description="Default: the instructor's main one."
    )
    reference: str = Field("", max_length=200, description="E.g. the bank transfer's id.")
    note: str = Field("", max_length=500)
    idempotency_key: str | None = Field(
        None, max_length=100, description="The same key records the payout once."
    )


class PayoutAccountOut(Schema):
    method: str = Field(description="`stripe` or `manual`.")
    onboarding_status: str = Field(description="`not_started`, `pending` or `complete`.")
    has_stripe_account: bool
    manual_details: str


class PayoutAccountIn(Schema):
    manual_details: str = Field(max_length=2000, description="Where an admin sends the money.")


class OnboardingLinkOut(Schema):
    url: str


class PayoutRunOut(Schema):
    paid: int
    failed: int
    pending: int
    manual_due: int
