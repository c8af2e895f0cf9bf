"""Who may do what with money. Services enforce these; pages and the API ask the same."""

from agora.accounts.models import User
from agora.accounts.permissions import can_teach
from agora.commerce.models import Order
from agora.core.permissions import is_admin


def can_sell(user: User) -> bool:
    """Earnings, payouts and coupons are for instructors (and admins)."""
    return can_teach(user)


def can_see_order(user: User, order: Order) -> bool:
    """A buyer sees their own orders; admins see every order."""
    return is_admin(user) or order.buyer_id == user.pk
