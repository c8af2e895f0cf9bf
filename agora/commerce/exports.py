"""What commerce exports: the ledger as CSV for the Django admin's export action and the admin
transactions page, and the tables (orders, payouts, ledger, an instructor's sales) that
analytics writes to export files."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpResponse

from agora.accounts.models import User
from agora.commerce.models import LedgerEntry, Order, OrderItem, Payout
from agora.commerce.queries import SOLD_STATUSES

COLUMNS = [
    "transaction",
    "created_at",
    "kind",
    "key",
    "account",
    "instructor_id",
    "amount",
    "currency",
]


def ledger_csv(entries: Iterable[LedgerEntry]) -> HttpResponse:
    """One row per entry; `entries` come with their transaction (select_related)."""
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="agora-ledger.csv"'
    writer = csv.writer(response)
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                entry.transaction_id,
                entry.transaction.created_at.isoformat(),
                entry.transaction.kind,
                entry.transaction.idempotency_key,
                entry.account,
                entry.instructor_id or "",
                entry.amount,
                entry.currency,
            ]
        )
    return response


# --- exports (analytics writes them to files) --------------------------------------------------
@dataclass
class ExportTable:
    """A header and the rows under it, streamed from the database (never all in memory)."""

    header: list[str]
    rows: QuerySet[Any]

    def count(self) -> int:
        return self.rows.count()

    def iterate(self, chunk_size: int = 2000) -> Any:
        return self.rows.iterator(chunk_size=chunk_size)


def _table(queryset: QuerySet[Any], columns: dict[str, str]) -> ExportTable:
    """The export's columns (header: field path) read from `queryset`, in that order."""
    return ExportTable(list(columns), queryset.values_list(*columns.values()))


# The same columns as the admin's ledger CSV.
LEDGER_COLUMNS = dict(
    zip(
        COLUMNS,
        [
            "transaction_id",
            "transaction__created_at",
            "transaction__kind",
            "transaction__idempotency_key",
            "account",
            "instructor_id",
            "amount",
            "currency",
        ],
        strict=True,
    )
)
ORDER_COLUMNS = {
    "order_id": "id",
    "created_at": "created_at",
    "paid_at": "paid_at",
    "refunded_at": "refunded_at",
    "status": "status",
    "buyer_id": "buyer_id",
    "currency": "currency",
    "subtotal": "subtotal",
    "discount": "discount",
    "tax": "tax",
    "total": "total",
    "tax_country": "tax_country",
    "coupon": "coupon__code",
    "provider": "provider",
}
PAYOUT_COLUMNS = {
    "payout_id": "id",
    "created_at": "created_at",
    "paid_at": "paid_at",
    "instructor_id": "instructor_id",
    "amount": "amount",
    "currency": "currency",
    "method": "method",
    "status": "status",
    "provider_reference": "provider_reference",
    "failure_reason": "failure_reason",
}
# An instructor's sales name the buyer, never the buyer's email.
INSTRUCTOR_SALE_COLUMNS = {
    "order_id": "order_id",
    "paid_at": "order__paid_at",
    "status": "order__status",
    "refunded_at": "order__refunded_at",
    "course_id": "course_id",
    "course": "title",
    "buyer": "order__buyer__name",
    "currency": "order__currency",
    "price": "price",
    "discount": "discount",
    "commission_basis_points": "commission_basis_points",
}


def ledger_table(*, start: datetime | None = None, end: datetime | None = None) -> ExportTable:
    entries = LedgerEntry.objects.order_by("transaction_id", "id")
    return _table(_window(entries, "transaction__created_at", start, end), LEDGER_COLUMNS)


def _window(
    queryset: QuerySet[Any], field: str, start: datetime | None, end: datetime | None
) -> QuerySet[Any]:
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset


def orders_table(*, start: datetime | None = None, end: datetime | None = None) -> ExportTable:
    return _table(_window(Order.objects.order_by("id"), "created_at", start, end), ORDER_COLUMNS)


def payouts_table(*, start: datetime | None = None, end: datetime | None = None) -> ExportTable:
    payouts = Payout.objects.order_by("id")
    return _table(_window(payouts, "created_at", start, end), PAYOUT_COLUMNS)


def instructor_sales_table(
    *, instructor: User, start: datetime | None = None, end: datetime | None = None
) -> ExportTable:
    """Every sold item of a course the instructor owns or co-teaches (paid, refunded or
    charged back)."""
    items = OrderItem.objects.filter(order__status__in=SOLD_STATUSES).filter(
        Q(course__owner=instructor) | Q(course__co_instructors__user=instructor)
    )
    sold = _window(items, "order__paid_at", start, end).distinct().order_by("order__paid_at", "id")
    return _table(sold, INSTRUCTOR_SALE_COLUMNS)
