"""A buyer's orders in their data export. On erasure orders stay (the accounts and tax
records need them), held by the anonymised account."""

from typing import Any

from agora.accounts.models import User
from agora.commerce.models import Order


def export_orders(user: User) -> list[dict[str, Any]]:
    orders = Order.objects.filter(buyer=user).prefetch_related("items").order_by("pk")
    return [
        {
            "id": order.pk,
            "status": order.status,
            "currency": order.currency,
            "subtotal": order.subtotal,
            "discount": order.discount,
            "tax": order.tax,
            "total": order.total,
            "provider": order.provider,
            "created_at": order.created_at.isoformat(),
            "items": [{"course": item.title, "price": item.price} for item in order.items.all()],
        }
        for order in orders
    ]


def keep_orders_on_erasure(user: User) -> None:
    """Orders are financial records: kept, without the buyer's name once anonymised."""
