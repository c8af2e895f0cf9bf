"""The audit log API: every admin action, newest first, for admins."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Schema
from ninja.pagination import paginate

from agora.accounts.auth import admin_auth
from agora.audit import queries
from agora.audit.models import AuditEntry
from agora.core.pagination import PagePagination
from agora.core.schemas import ErrorOut as E
from agora.moderation.api import router


class AuditActorOut(Schema):
    id: int
    name: str


class AuditEntryOut(Schema):
    id: int
    actor: AuditActorOut
    action: str = Field(description="What was done, e.g. course.approve, user.suspend.")
    target_type: str
    target_id: str
    data: dict[str, Any]
    created_at: datetime


class AuditQuery(Schema):
    action: str = Field("", max_length=64)
    actor_id: int | None = Field(None, ge=1, le=2**63 - 1)
    target_type: str = Field("", max_length=32)
    target_id: str = Field("", max_length=64)
    since: date | None = Field(None, description="From this day (UTC), inclusive.")
    until: date | None = Field(None, description="To this day (UTC), inclusive.")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def filters_of(params: AuditQuery) -> queries.AuditFilters:
    return queries.AuditFilters(
        action=params.action,
        actor_id=params.actor_id,
        target_type=params.target_type,
        target_id=params.target_id,
        since=_day_start(params.since) if params.since else None,
        until=_day_start(params.until) + timedelta(days=1) if params.until else None,
    )


@router.get(
    "/admin/audit-log",
    auth=admin_auth,
    response={200: list[AuditEntryOut], 401: E, 403: E, 422: E},
    summary="Every admin action, newest first (filters: action, actor, target, days)",
    tags=["admin"],
)
@paginate(PagePagination)
def audit_log(request: HttpRequest, params: Query[AuditQuery]) -> QuerySet[AuditEntry]:
    return queries.entries(filters_of(params))
