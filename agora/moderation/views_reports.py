"""Reporting from any page, and the admins' moderation queue at /admin-console/reports/."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agora.accounts.models import User
from agora.core.errors import Conflict, DomainError
from agora.core.pagination import page_from_request
from agora.core.permissions import staff_required
from agora.core.redirects import local_target
from agora.moderation import queries, services
from agora.moderation.models import Reason, ReportStatus, Resolution

PAGE_SIZE = 25


@login_required
@require_POST
def report_content(request: HttpRequest) -> HttpResponse:
    try:
        target_id = int(request.POST.get("target_id", ""))
    except ValueError:
        target_id = 0
    try:
        services.report(
            reporter=cast(User, request.user),
            target_type=request.POST.get("target_type", ""),
            target_id=target_id,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, "Thank you: the admins will look at your report.")
    except Conflict as exc:
        messages.info(request, exc.message)
    except DomainError as exc:
        problems = [message for errors in exc.fields.values() for message in errors]
        messages.error(request, " ".join(problems) or exc.message)
    return redirect(local_target(request, "/"))


@staff_required
def report_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ReportStatus.OPEN)
    if status not in ReportStatus.values:
        status = ReportStatus.OPEN
    page = page_from_request(request, queries.reports(status=status), page_size=PAGE_SIZE)
    return render(
        request,
        "moderation/reports.html",
        {
            "status": status,
            "page": page,
            "reports": queries.with_targets(page["items"]),
            "reasons": dict(Reason.choices),
            "resolutions": Resolution.choices,
            "open_count": services.open_reports_count(),
        },
    )


@staff_required
@require_POST
def report_resolve(request: HttpRequest, report_id: int) -> HttpResponse:
    try:
        services.resolve(
            admin=cast(User, request.user),
            report_id=report_id,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, "The report is resolved.")
    except DomainError as exc:
        problems = [message for errors in exc.fields.values() for message in errors]
        messages.error(request, " ".join(problems) or exc.message)
    return redirect("report_queue")
