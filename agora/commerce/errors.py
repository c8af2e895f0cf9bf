"""The commerce app's error codes. Their values are the API's `error.code` strings."""

from enum import StrEnum


class CommerceError(StrEnum):
    """Codes the commerce endpoints and pages answer with."""

    ADMIN_REQUIRED = "admin_required"
    ALREADY_OWNED = "already_owned"
    COUPON_ALREADY_USED = "coupon_already_used"
    COUPON_CODE_TAKEN = "coupon_code_taken"
    COUPON_EXHAUSTED = "coupon_exhausted"
    COUPON_EXPIRED = "coupon_expired"
    COUPON_NOT_APPLICABLE = "coupon_not_applicable"
    COUPON_NOT_FOUND = "coupon_not_found"
    COURSE_MOSTLY_COMPLETED = "course_mostly_completed"
    COURSE_NOT_FOUND = "course_not_found"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INSTRUCTOR_NOT_FOUND = "instructor_not_found"
    INSTRUCTOR_REQUIRED = "instructor_required"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    INVALID_SIGNATURE = "invalid_signature"
    INVOICE_NOT_AVAILABLE = "invoice_not_available"
    NO_PAYMENT_PROVIDER = "no_payment_provider"
    NOT_REFUNDABLE = "not_refundable"
    ORDER_DISPUTED = "order_disputed"
    ORDER_NOT_FOUND = "order_not_found"
    PAYMENT_NOT_FOUND = "payment_not_found"
    PAYMENT_PROVIDER_UNAVAILABLE = "payment_provider_unavailable"
    PAYOUT_REJECTED = "payout_rejected"
    PROVIDER_NOT_FOUND = "provider_not_found"
    REFUND_WINDOW_CLOSED = "refund_window_closed"
    STRIPE_CONNECT_UNAVAILABLE = "stripe_connect_unavailable"
