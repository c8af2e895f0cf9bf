"""Row locks of commerce, always taken in one order so that no two transactions wait on
each other in a circle:

    the buyer (their User row) → the bundles bought, by id → their order(s), by id
    → coupons, enrollments, ledger rows

Checkout, payment events and the expiry of stale orders all change a buyer's orders, so each
takes the buyer's lock first: two payments of one buyer are decided one after the other, and
a payment never races the checkout that replaces its order.
"""

from agora.accounts.models import User


def lock_buyer(buyer_id: int) -> None:
    """Holds the buyer's row until the caller's transaction ends."""
    list(User.objects.select_for_update().filter(pk=buyer_id).values_list("pk", flat=True))
