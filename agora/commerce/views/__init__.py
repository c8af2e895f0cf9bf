"""The commerce pages, by audience: learners (cart, checkout, orders), instructors (earnings,
payouts) and admins (transactions, payouts). Each view reads through `queries`, writes through
`services` and renders; amounts, coupons, tax and refund rules live in the services."""

from agora.commerce.views.admin_console import (
    admin_payout_record,
    admin_payouts,
    admin_payouts_run,
    admin_transactions,
)
from agora.commerce.views.learner import (
    buy,
    cart,
    cart_add,
    cart_remove,
    checkout,
    checkout_summary,
    demo_pay,
    order_detail,
    order_invoice,
    order_list,
    order_refund,
)
from agora.commerce.views.store import wishlist_page, wishlist_toggle
from agora.commerce.views.studio import (
    earnings,
    payout_manual,
    payout_settings,
    payout_stripe_onboard,
    payout_stripe_refresh,
    payout_stripe_return,
)

__all__ = [
    "admin_payout_record",
    "admin_payouts",
    "admin_payouts_run",
    "admin_transactions",
    "buy",
    "cart",
    "cart_add",
    "cart_remove",
    "checkout",
    "checkout_summary",
    "demo_pay",
    "earnings",
    "order_detail",
    "order_invoice",
    "order_list",
    "order_refund",
    "payout_manual",
    "payout_settings",
    "payout_stripe_onboard",
    "payout_stripe_refresh",
    "payout_stripe_return",
    "wishlist_page",
    "wishlist_toggle",
]
