from datetime import timedelta
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from agora.commerce.models import LedgerAccount, LedgerEntry, LedgerTransactionKind, Order
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


CHART_PERIODS = {
    "day": ("Daily, last 30 days", TruncDay, timedelta(days=30)),
    "week": ("Weekly, last 12 weeks", TruncWeek, timedelta(weeks=12)),
    "month": ("Monthly, last 12 months", TruncMonth, timedelta(days=366)),
}


def sales_chart(*, instructor: Any, currency: str, period: str) -> list[dict[str, Any]]:
    """The instructor's share of their sales per day, week or month, read from the ledger
    (each sale's escrow entry for them), with a bar width in steps of 5%."""
    _, trunc, span = CHART_PERIODS[period]
    rows = list(
        LedgerEntry.objects.filter(
            instructor=instructor,
            currency=currency,
            account=LedgerAccount.INSTRUCTOR_PENDING,
            transaction__kind=LedgerTransactionKind.SALE,
            transaction__created_at__gte=timezone.now() - span,
        )
        .annotate(bucket=trunc("transaction__created_at"))
        .values("bucket")
        .annotate(credited=Sum("amount"), sales=Count("id"))
        .order_by("bucket")
    )
    largest = max((-row["credited"] for row in rows), default=0)
    return [
        {
            "bucket": row["bucket"],
            "earned": -row["credited"],
            "sales": row["sales"],
            "width": round(-row["credited"] * 20 / largest) * 5 if largest else 0,
        }
        for row in rows
    ]
