"""Admin figures for dashboards."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from agora.accounts.auth import admin_auth
from agora.analytics import queries
from agora.analytics.schemas import AdminStatsOut
from agora.core.schemas import ErrorOut as E

router = Router(tags=["admin"])


@router.get(
    "/admin/stats",
    auth=admin_auth,
    response={200: AdminStatsOut, 401: E, 403: E},
    summary="Platform figures: people, courses, enrollments, revenue, last 12 months (admins)",
)
def admin_stats(request: HttpRequest) -> dict[str, Any]:
    return queries.admin_stats().as_dict()
