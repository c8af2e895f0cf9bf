"""The audit log page at /admin-console/audit/: every admin action, newest first, with
filters by action, admin, target and days."""

from datetime import UTC, date, datetime, time, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agora.audit import queries
from agora.core.pagination import page_from_request
from agora.core.permissions import staff_required

PAGE_SIZE = 50


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _int(value: str) -> int | None:
    try:
        return int(value) if 0 < int(value) < 2**63 else None
    except ValueError:
        return None


@staff_required
def audit_log(request: HttpRequest) -> HttpResponse:
    since = _day(request.GET.get("since", ""))
    until = _day(request.GET.get("until", ""))
    filters = queries.AuditFilters(
        action=request.GET.get("action", "")[:64],
        actor_id=_int(request.GET.get("actor", "")),
        target_type=request.GET.get("target_type", "")[:32],
        target_id=request.GET.get("target_id", "")[:64].strip(),
        since=datetime.combine(since, time.min, tzinfo=UTC) if since else None,
        until=datetime.combine(until, time.min, tzinfo=UTC) + timedelta(days=1) if until else None,
    )
    page = page_from_request(request, queries.entries(filters), page_size=PAGE_SIZE)
    return render(
        request,
        "moderation/audit.html",
        {
            "page": page,
            "entries": page["items"],
            "filters": filters,
            "since": since,
            "until": until,
            "actions": queries.actions(),
            "actors": queries.actors(),
            "target_types": queries.target_types(),
        },
    )
