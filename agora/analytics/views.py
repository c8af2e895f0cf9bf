"""The admin dashboard page: the figures of GET /api/v1/admin/stats with monthly bar charts
(HTML and CSS only: bar widths are classes in steps of 5%, no inline style)."""

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from agora.accounts.auth import jwt_auth, signed_in
from agora.analytics import charts, exports, figures, queries
from agora.catalog.queries import instructor_courses
from agora.core.errors import DomainError, InvalidInput, NotFound
from agora.core.money import format_figure
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


def _requester(request: HttpRequest) -> Any:
    """Who follows a download link: an API client by its Bearer token, a browser by its
    session."""
    if request.headers.get("Authorization", "").startswith("Bearer "):
        try:
            return jwt_auth(request) or AnonymousUser()
        except DomainError:
            return AnonymousUser()
    return request.user


def download_export(request: HttpRequest, token: str) -> FileResponse:
    """The file of an export, for the person who asked, while the link has not expired."""
    try:
        export = exports.export_for_link(token=token, user=_requester(request))
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


# --- analytics pages -------------------------------------------------------------------------
def _range_from(request: HttpRequest) -> tuple[figures.DayRange, str]:
    """The range of the page: ?from=&to= (dates), else a preset (30 days by default).
    A bad date falls back to the default range rather than failing the page."""
    first, last = request.GET.get("from"), request.GET.get("to")
    if first or last:
        try:
            return figures.parse_range(first, last), ""
        except InvalidInput as exc:
            messages.error(request, exc.message)
    preset = request.GET.get("preset", "30d")
    preset = preset if preset in figures.PRESETS else "30d"
    return figures.preset_range(preset), preset


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="agora-{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _tables(report: dict[str, Any], names: dict[str, list[str]]) -> dict[str, list[list[Any]]]:
    return {
        name: [[row.get(column, "") for column in columns] for row in report.get(name, [])]
        for name, columns in names.items()
    }


INSTRUCTOR_TABLES = {
    "series": ["date", "enrollments", "sales", "revenue", "views"],
    "lessons": [
        "lesson_id",
        "title",
        "type",
        "started",
        "completed",
        "drop_off_percent",
        "drop_off_from_previous_percent",
        "watch_seconds",
        "duration_seconds",
        "stops",
    ],
    "quiz_items": ["question_id", "lesson", "prompt", "answers", "correct_percent"],
    "rating_trend": ["month", "reviews", "average"],
    "sources": ["source", "enrollments"],
    "subscription_payouts": ["date", "month", "amount"],
}
ADMIN_TABLES = {
    "series": ["date", "gross", "platform", "refunds", "signups", "active_learners"],
    "monthly": ["period", "gross", "platform", "refunds", "signups"],
    "yearly": ["period", "gross", "platform", "refunds", "signups"],
    "top_courses": ["course_id", "title", "revenue", "sales"],
    "top_instructors": ["instructor_id", "name", "earned"],
    "top_categories": ["category_id", "name", "revenue", "sales"],
    "cohorts": ["week", "signups", "active"],
}


@login_required
def instructor_analytics(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not (user.is_instructor or user.is_staff):
        raise PermissionDenied("Analytics are for instructors.")
    days, preset = _range_from(request)
    course_id = request.GET.get("course")
    try:
        report = figures.instructor_analytics(
            user=user,
            days=days,
            course_id=int(course_id) if course_id else None,
        )
    except (NotFound, ValueError) as exc:
        raise Http404("There is no such course.") from exc
    report["sources"] = [
        {"source": source, "enrollments": count}
        for source, count in report["enrollments_by_source"].items()
    ]
    table = request.GET.get("csv")
    if table in INSTRUCTOR_TABLES:
        rows = _tables(report, {table: INSTRUCTOR_TABLES[table]})[table]
        return _csv(f"analytics-{table}", INSTRUCTOR_TABLES[table], rows)
    money = partial(format_figure, currency=report["currency"])
    context = {
        "report": report,
        "days": days,
        "preset": preset,
        "presets": figures.PRESETS,
        "courses": list(instructor_courses(user=user).values("pk", "title")),
        "query": _query(request),
        "revenue_chart": charts.bar_chart(
            report["series"], value="revenue", title="Revenue per day", format_value=money
        ),
        "enrollments_chart": charts.bar_chart(
            report["series"], value="enrollments", title="Enrollments per day"
        ),
        "views_chart": charts.bar_chart(
            report["series"], value="views", title="Page views per day"
        ),
    }
    return render(request, "analytics/instructor.html", context)


@staff_required
def admin_analytics(request: HttpRequest) -> HttpResponse:
    days, preset = _range_from(request)
    report = figures.admin_analytics(days=days)
    table = request.GET.get("csv")
    if table in ADMIN_TABLES:
        rows = _tables(report, {table: ADMIN_TABLES[table]})[table]
        return _csv(f"platform-{table}", ADMIN_TABLES[table], rows)
    money = partial(format_figure, currency=report["currency"])
    monthly = [{**row, "label": row["period"]} for row in report["monthly"]]
    context = {
        "report": report,
        "days": days,
        "preset": preset,
        "presets": figures.PRESETS,
        "query": _query(request),
        "gross_chart": charts.bar_chart(
            report["series"], value="gross", title="GMV per day", format_value=money
        ),
        "monthly_chart": charts.bar_chart(
            monthly, value="gross", label="label", title="GMV per month", format_value=money
        ),
        "signups_chart": charts.bar_chart(
            report["series"], value="signups", title="Sign-ups per day"
        ),
        "active_chart": charts.bar_chart(
            report["series"], value="active_learners", title="Active learners per day"
        ),
    }
    return render(request, "analytics/admin_analytics.html", context)


def _query(request: HttpRequest) -> str:
    """The page's range and course as a query string, for the CSV links."""
    keep = {
        key: request.GET[key] for key in ("from", "to", "preset", "course") if request.GET.get(key)
    }
    return urlencode(keep)


# --- exports ---------------------------------------------------------------------------------
EXPORT_LABELS = {
    "users": "Users",
    "orders": "Orders",
    "enrollments": "Enrollments",
    "payouts": "Payouts",
    "ledger": "Ledger entries",
    "students": "My students",
    "sales": "My sales",
}


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    """The person's exports with status and progress (the page refreshes itself while one is
    running), and a form to ask for another."""
    user = signed_in(request)
    kinds = [
        *(exports.ADMIN_KINDS if user.is_staff else ()),
        *(exports.INSTRUCTOR_KINDS if user.is_instructor or user.is_staff else ()),
    ]
    if not kinds:
        raise PermissionDenied("Exports are for instructors and admins.")
    if request.method == "POST":
        try:
            exports.request_export(
                user=user,
                kind=request.POST.get("kind", ""),
                format=request.POST.get("format", "csv"),
                date_from=_date_or_none(request.POST.get("from")),
                date_to=_date_or_none(request.POST.get("to")),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Your export is on its way; it appears below when ready.")
        return redirect("analytics_exports")
    mine = list(exports.exports_of(user=user)[:50])
    rows = [
        {
            "export": export,
            "url": exports.download_url(export),
            "label": EXPORT_LABELS.get(export.kind, export.kind),
        }
        for export in mine
    ]
    context = {
        "rows": rows,
        "kinds": [(kind, EXPORT_LABELS[kind]) for kind in kinds],
        "running": any(export.status in ("queued", "running") for export in mine),
    }
    return render(request, "analytics/exports.html", context)


def _date_or_none(value: str | None) -> Any:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        raise InvalidInput("Dates are like 2026-01-31.") from None
