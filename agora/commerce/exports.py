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


def _window(
    queryset: QuerySet[Any], field: str, start: datetime | None, end: datetime | None
) -> QuerySet[Any]:
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset


def orders_table(*, start: datetime | None = None, end: datetime | None = None) -> ExportTable:
    header = [
        "order_id",
        "created_at",
        "paid_at",
        "refunded_at",
        "status",
        "buyer_id",
        "currency",
        "subtotal",
        "discount",
        "tax",
        "total",
        "tax_country",
        "coupon",
        "provider",
    ]
    rows = _window(Order.objects.order_by("id"), "created_at", start, end).values_list(
        "id",
        "created_at",
        "paid_at",
        "refunded_at",
        "status",
        "buyer_id",
        "currency",
        "subtotal",
        "discount",
        "tax",
        "total",
        "tax_country",
        "coupon__code",
        "provider",
    )
    return ExportTable(header, rows)


def payouts_table(*, start: datetime | None = None, end: datetime | None = None) -> ExportTable:
    header = [
        "payout_id",
        "created_at",
        "paid_at",
        "instructor_id",
        "amount",
        "currency",
        "method",
        "status",
        "provider_reference",
        "failure_reason",
    ]
    rows = _window(Payout.objects.order_by("id"), "created_at", start, end).values_list(
        "id",
        "created_at",
        "paid_at",
        "instructor_id",
        "amount",
        "currency",
        "method",
        "status",
        "provider_reference",
        "failure_reason",
    )
    return ExportTable(header, rows)


def ledger_table(*, start: datetime | None = None, end: datetime | None = None) -> ExportTable:
    header = list(COLUMNS)  # the same columns as the admin\'s ledger CSV
    entries = LedgerEntry.objects.order_by("transaction_id", "id")
    rows = _window(entries, "transaction__created_at", start, end).values_list(
        "transaction_id",
        "transaction__created_at",
        "transaction__kind",
        "transaction__idempotency_key",
        "account",
        "instructor_id",
        "amount",
        "currency",
    )
    return ExportTable(header, rows)


def instructor_sales_table(
    *, instructor: User, start: datetime | None = None, end: datetime | None = None
) -> ExportTable:
    """Every sold item of a course the instructor owns or co-teaches (paid, refunded or
    charged back), the buyer named, without the buyer's email."""
    header = [
        "order_id",
        "paid_at",
        "status",
        "refunded_at",
        "course_id",
        "course",
        "buyer",
        "currency",
        "price",
        "discount",
        "commission_basis_points",
    ]
    items = OrderItem.objects.filter(order__status__in=SOLD_STATUSES).filter(
        Q(course__owner=instructor) | Q(course__co_instructors__user=instructor)
    )
    rows = (
        _window(items, "order__paid_at", start, end)
        .distinct()
        .order_by("order__paid_at", "id")
        .values_list(
            "order_id",
            "order__paid_at",
            "order__status",
            "order__refunded_at",
            "course_id",
            "title",
            "order__buyer__name",
            "order__currency",
            "price",
            "discount",
            "commission_basis_points",
        )
    )
    return ExportTable(header, rows)
