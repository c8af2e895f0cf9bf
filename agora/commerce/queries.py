from typing import Any

from django.db.models import QuerySet

from agora.commerce.models import Order
from agora.core.errors import NotFound


def orders_of(*, user: Any) -> QuerySet[Order]:
    return Order.objects.filter(buyer=user).select_related("coupon").prefetch_related("items")


def get_order_for_viewer(*, user: Any, order_id: int) -> Order:
    """The buyer's own order, or any order for an admin; everyone else gets 404."""
    orders = Order.objects.select_related("coupon", "buyer").prefetch_related("items")
    if not user.is_staff:
        orders = orders.filter(buyer=user)
    order = orders.filter(pk=order_id).first()
    if order is None:
        raise NotFound("There is no such order.", code="order_not_found")
    return order
