"""Reads of reports (admins only: the callers check)."""

from django.db.models import QuerySet

from agora.core.errors import InvalidInput
from agora.moderation.models import Report, ReportStatus


def reports(*, status: str = ReportStatus.OPEN) -> QuerySet[Report]:
    """Open reports oldest first (the queue); resolved ones newest first."""
    if status not in ReportStatus.values:
        raise InvalidInput(fields={"status": [f"Use one of: {', '.join(ReportStatus.values)}."]})
    rows = Report.objects.filter(status=status).select_related(
        "reporter", "target_author", "resolved_by"
    )
    if status == ReportStatus.OPEN:
        return rows.order_by("created_at", "id")
    return rows.order_by("-resolved_at", "-id")
