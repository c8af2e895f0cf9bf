"""The ledger as CSV, for the Django admin's export action and the admin transactions page."""

import csv
from collections.abc import Iterable

from django.http import HttpResponse

from agora.commerce.models import LedgerEntry

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
