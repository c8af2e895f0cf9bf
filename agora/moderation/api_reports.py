"""The reports API: anyone signed in reports; admins work the queue."""

from datetime import datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from agora.accounts.auth import admin_auth, current_user, jwt_auth
from agora.core.pagination import PagePagination
from agora.core.schemas import ErrorOut as E
from agora.moderation import queries, services
from agora.moderation.api import router
from agora.moderation.models import NOTE_MAX_LENGTH, Report


class ContentReportIn(Schema):
    target_type: str = Field(
        description="question, answer, comment, review, message, user or course"
    )
    target_id: int
    reason: str = Field(description="spam, abuse, off_topic or other")
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class ReportPersonOut(Schema):
    id: int
    name: str


class ContentReportOut(Schema):
    id: int
    target_type: str
    target_id: int
    reason: str
    note: str
    status: str
    created_at: datetime
    resolution: str
    resolution_note: str
    resolved_at: datetime | None


class AdminContentReportOut(ContentReportOut):
    reporter: ReportPersonOut
    target_author: ReportPersonOut | None


class ReportListQuery(Schema):
    status: Literal["open", "resolved"] = "open"


class ResolveIn(Schema):
    action: str = Field(description="dismiss, hide or suspend_user")
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


@router.post(
    "/reports",
    auth=jwt_auth,
    response={201: ContentReportOut, 401: E, 404: E, 409: E, 422: E},
    summary="Report a question, answer, comment, review, message, user or course (once each)",
    tags=["moderation"],
)
def create_report(request: HttpRequest, payload: ContentReportIn) -> Status[Report]:
    row = services.report(
        reporter=current_user(request),
        target_type=payload.target_type,
        target_id=payload.target_id,
        reason=payload.reason,
        note=payload.note,
    )
    return Status(201, row)


@router.get(
    "/admin/reports",
    auth=admin_auth,
    response={200: list[AdminContentReportOut], 401: E, 403: E, 422: E},
    summary="The moderation queue: open reports oldest first, or resolved ones",
    tags=["admin"],
)
@paginate(PagePagination)
def admin_reports(request: HttpRequest, params: Query[ReportListQuery]) -> QuerySet[Report]:
    return queries.reports(status=params.status)


@router.post(
    "/admin/reports/{report_id}/resolve",
    auth=admin_auth,
    response={200: AdminContentReportOut, 401: E, 403: E, 404: E, 409: E, 422: E},
    summary="Dismiss a report, hide what it reports, or suspend its author",
    tags=["admin"],
)
def resolve_report(request: HttpRequest, report_id: int, payload: ResolveIn) -> Any:
    return services.resolve(
        admin=current_user(request), report_id=report_id, action=payload.action, note=payload.note
    )
