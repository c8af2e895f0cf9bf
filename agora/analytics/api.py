"""Analytics and exports: admin figures, instructor and admin analytics for a range of days,
and exports written by background jobs."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from agora.accounts.auth import admin_auth, current_user, instructor_auth
from agora.analytics import exports, figures, queries
from agora.analytics.models import Export
from agora.analytics.schemas import (
    AdminAnalyticsOut,
    AdminExportIn,
    AdminStatsOut,
    ExportCreatedOut,
    ExportOut,
    InstructorAnalyticsOut,
    InstructorExportIn,
)
from agora.core.schemas import ErrorOut as E

router = Router(tags=["analytics"])


class RangeQuery(Schema):
    from_: str | None = Field(None, alias="from", description="First day, YYYY-MM-DD.")
    to: str | None = Field(None, description="Last day, YYYY-MM-DD (default today).")
    currency: str | None = Field(None, min_length=3, max_length=3)


class InstructorRangeQuery(RangeQuery):
    course_id: int | None = None


@router.get(
    "/admin/stats",
    auth=admin_auth,
    response={200: AdminStatsOut, 401: E, 403: E},
    summary="Platform figures: people, courses, enrollments, revenue, last 12 months (admins)",
)
def admin_stats(request: HttpRequest) -> dict[str, Any]:
    return queries.admin_stats().as_dict()


@router.get(
    "/instructor/analytics",
    auth=instructor_auth,
    response={200: InstructorAnalyticsOut, 401: E, 403: E, 404: E, 422: E},
    summary="My courses' analytics for a range of days (one course with course_id)",
)
def instructor_analytics(
    request: HttpRequest, query: Query[InstructorRangeQuery]
) -> dict[str, Any]:
    days = figures.parse_range(query.from_, query.to)
    return figures.instructor_analytics(
        user=current_user(request),
        days=days,
        course_id=query.course_id,
        currency=query.currency.upper() if query.currency else None,
    )


@router.get(
    "/admin/analytics",
    auth=admin_auth,
    response={200: AdminAnalyticsOut, 401: E, 403: E, 422: E},
    summary="The platform's analytics for a range of days (admins)",
)
def admin_analytics(request: HttpRequest, query: Query[RangeQuery]) -> dict[str, Any]:
    days = figures.parse_range(query.from_, query.to)
    return figures.admin_analytics(
        days=days, currency=query.currency.upper() if query.currency else None
    )


def _export_out(export: Export) -> dict[str, Any]:
    return {
        "id": export.pk,
        "kind": export.kind,
        "format": export.format,
        "status": export.status,
        "progress_percent": export.progress_percent,
        "rows_total": export.rows_total,
        "rows_written": export.rows_written,
        "download_url": exports.download_url(export),
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "error": "The export failed; ask for it again." if export.error else "",
    }


def _create(request: HttpRequest, payload: AdminExportIn | InstructorExportIn) -> Any:
    export = exports.request_export(
        user=current_user(request),
        kind=payload.kind,
        format=payload.format,
        date_from=payload.from_,
        date_to=payload.to,
    )
    return Status(202, {"id": export.pk, "status": export.status})


@router.post(
    "/admin/exports",
    auth=admin_auth,
    response={202: ExportCreatedOut, 401: E, 403: E, 422: E},
    summary="Export users, orders, enrollments, payouts or the ledger (CSV or XLSX; admins)",
)
def create_admin_export(request: HttpRequest, payload: AdminExportIn) -> Any:
    return _create(request, payload)


@router.get(
    "/admin/exports",
    auth=admin_auth,
    response={200: list[ExportOut], 401: E, 403: E},
    summary="My exports, the newest first (the last 50)",
)
def list_admin_exports(request: HttpRequest) -> list[dict[str, Any]]:
    return [_export_out(e) for e in exports.exports_of(user=current_user(request))[:50]]


@router.get(
    "/admin/exports/{export_id}",
    auth=admin_auth,
    response={200: ExportOut, 401: E, 403: E, 404: E},
    summary="An export of mine: its status, progress and, once done, an expiring download link",
)
def get_admin_export(request: HttpRequest, export_id: str) -> dict[str, Any]:
    return _export_out(
        exports.get_export_for_owner(user=current_user(request), export_id=export_id)
    )


@router.post(
    "/instructor/exports",
    auth=instructor_auth,
    response={202: ExportCreatedOut, 401: E, 403: E, 422: E},
    summary="Export my students or my sales (CSV or XLSX)",
)
def create_instructor_export(request: HttpRequest, payload: InstructorExportIn) -> Any:
    return _create(request, payload)


@router.get(
    "/instructor/exports",
    auth=instructor_auth,
    response={200: list[ExportOut], 401: E, 403: E},
    summary="My exports, the newest first (the last 50)",
)
def list_instructor_exports(request: HttpRequest) -> list[dict[str, Any]]:
    return [_export_out(e) for e in exports.exports_of(user=current_user(request))[:50]]


@router.get(
    "/instructor/exports/{export_id}",
    auth=instructor_auth,
    response={200: ExportOut, 401: E, 403: E, 404: E},
    summary="An export of mine: its status, progress and, once done, an expiring download link",
)
def get_instructor_export(request: HttpRequest, export_id: str) -> dict[str, Any]:
    return _export_out(
        exports.get_export_for_owner(user=current_user(request), export_id=export_id)
    )
