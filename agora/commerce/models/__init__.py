"""Commerce rows, by topic; every model is importable from `agora.commerce.models`."""

from agora.commerce.models.bundles import Bundle, BundleCourse
from agora.commerce.models.disputes import (
    Dispute,
    DisputeStatus,
)
from agora.commerce.models.gifts import Gift, GiftStatus
from agora.commerce.models.ledger import (
    INSTRUCTOR_ACCOUNTS,
    AppendOnly,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    LedgerTransactionKind,
)
from agora.commerce.models.orders import (
    Coupon,
    CouponRedemption,
    Order,
    OrderItem,
    OrderStatus,
    PaymentEvent,
)
from agora.commerce.models.payouts import (
    OnboardingStatus,
    Payout,
    PayoutAccount,
    PayoutMethod,
    PayoutStatus,
)
from agora.commerce.models.pricing import (
    CommissionOverride,
    PlatformSettings,
    TaxRate,
)
from agora.commerce.models.subscriptions import (
    LIVE_STATUSES,
    PlanInterval,
    PlanPrice,
    Subscription,
    SubscriptionPayment,
    SubscriptionPayoutRun,
    SubscriptionPlan,
    SubscriptionStatus,
)
from agora.commerce.models.wishlist import WishlistItem

__all__ = [
    "INSTRUCTOR_ACCOUNTS",
    "LIVE_STATUSES",
    "AppendOnly",
    "Bundle",
    "BundleCourse",
    "CommissionOverride",
    "Coupon",
    "CouponRedemption",
    "Dispute",
    "DisputeStatus",
    "Gift",
    "GiftStatus",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerTransaction",
    "LedgerTransactionKind",
    "OnboardingStatus",
    "Order",
    "OrderItem",
    "OrderStatus",
    "PaymentEvent",
    "Payout",
    "PayoutAccount",
    "PayoutMethod",
    "PayoutStatus",
    "PlanInterval",
    "PlanPrice",
    "PlatformSettings",
    "Subscription",
    "SubscriptionPayment",
    "SubscriptionPayoutRun",
    "SubscriptionPlan",
    "SubscriptionStatus",
    "TaxRate",
    "WishlistItem",
]
