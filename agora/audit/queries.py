"""Reading the audit log (admins only: the callers check)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from agora.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor_id: int | None = None
    target_type: str = ""
    target_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def entries(filters: AuditFilters | None = None) -> QuerySet[AuditEntry]:
    """Newest first, each with its actor."""
    filters = filters or AuditFilters()
    rows = AuditEntry.objects.select_related("actor").order_by("-created_at", "-id")
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.actor_id is not None:
        rows = rows.filter(actor_id=filters.actor_id)
    if filters.target_type:
        rows = rows.filter(target_type=filters.target_type)
    if filters.target_id:
        rows = rows.filter(target_id=filters.target_id)
    if filters.since is not None:
        rows = rows.filter(created_at__gte=filters.since)
    if filters.until is not None:
        rows = rows.filter(created_at__lt=filters.until)
    return rows


def actions() -> list[str]:
    """Every action the log holds, for the filter's choices."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def actors() -> list[tuple[int, str]]:
    """The admins who have acted, for the filter's choices."""
    rows = (
        AuditEntry.objects.order_by("actor__name", "actor_id")
        .values_list("actor_id", "actor__name", "actor__email")
        .distinct()
    )
    return [(actor_id, name or email) for actor_id, name, email in rows]


def target_types() -> list[str]:
    return list(
        AuditEntry.objects.order_by("target_type").values_list("target_type", flat=True).distinct()
    )
