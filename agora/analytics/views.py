"""The admin dashboard page: the figures of GET /api/v1/admin/stats with monthly bar charts
(HTML and CSS only: bar widths are classes in steps of 5%, no inline style)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from agora.analytics import exports, queries
from agora.core.errors import NotFound
from agora.core.permissions import staff_required

View = Callable[..., HttpResponse]


def bar_width(value: int, largest: int) -> int:
    """A bar's width in percent, rounded to a step of 5 (the CSS classes bar-w-0…bar-w-100)."""
    if largest <= 0 or value <= 0:
        return 0
    return min(100, round(value * 20 / largest) * 5)


def _month(key: str) -> datetime:
    year, month = (int(part) for part in key.split("-"))
    return datetime(year, month, 1, tzinfo=UTC)


def _count_rows(counts: dict[str, int]) -> list[dict[str, Any]]:
    largest = max(counts.values(), default=0)
    return [
        {"month": _month(key), "key": key, "value": value, "width": bar_width(value, largest)}
        for key, value in counts.items()
    ]


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    stats = queries.admin_stats()
    revenue_rows = stats.revenue_by_month
    largest_gross = max((row.gross for row in revenue_rows.values()), default=0)
    context = {
        "stats": stats,
        "users_chart": _count_rows(stats.users_by_month),
        "enrollments_chart": _count_rows(stats.enrollments_by_month),
        "revenue_chart": [
            {
                "month": _month(key),
                "key": key,
                "gross": row.gross,
                "platform": row.platform,
                "width": bar_width(row.gross, largest_gross),
            }
            for key, row in revenue_rows.items()
        ],
        "other_currencies": [
            row for row in stats.by_currency if row.currency != stats.revenue.currency
        ],
    }
    return render(request, "analytics/dashboard.html", context)


def download_export(request: HttpRequest, token: str) -> FileResponse:
    """The file of an export, for the person who asked, while the link has not expired."""
    try:
        export = exports.export_for_link(token=token, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(
        exports.storage().open(export.file_name, "rb"),
        as_attachment=True,
        filename=exports.download_name(export),
        content_type=exports.content_type(export),
    )
    response["Cache-Control"] = "private, no-store"
    return response
