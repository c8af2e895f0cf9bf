"""Exports: files of rows an admin (users, orders, enrollments, payouts, ledger) or an
instructor (their students, their sales) asks for, written by a background job.

Rows are streamed from the database in chunks into a temporary file (CSV, or XLSX through
openpyxl's write-only mode, which keeps no rows in memory), then moved into the private
`exports` storage, which no URL serves. The person who asked downloads it through a signed
link that names them and expires (EXPORT_LINK_MAX_AGE); anyone else gets 404.
"""

import csv
import io
import logging
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.analytics.models import Export, ExportFormat, ExportKind, ExportStatus
from agora.analytics.rollups import day_bounds
from agora.catalog.queries import instructor_courses
from agora.commerce import exports as commerce_exports
from agora.commerce.exports import ExportTable
from agora.core import jobs
from agora.core.errors import DomainError, NotFound, PermissionDenied
from agora.core.permissions import is_admin
from agora.learning.models import Enrollment

logger = logging.getLogger(__name__)

ADMIN_KINDS = (
    ExportKind.USERS,
    ExportKind.ORDERS,
    ExportKind.ENROLLMENTS,
    ExportKind.PAYOUTS,
    ExportKind.LEDGER,
)
INSTRUCTOR_KINDS = (ExportKind.STUDENTS, ExportKind.SALES)
PROGRESS_EVERY = 5000
LINK_SALT = "agora.analytics.export"


class ExportError(DomainError):
    status_code = 422


def storage() -> Any:
    return storages["exports"]


# --- asking ----------------------------------------------------------------------------------
def request_export(
    *,
    user: User,
    kind: str,
    format: str,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Export:
    """Records the export and queues its job (in one transaction). Admins export the
    platform's tables; instructors their own students and sales."""
    if kind in ADMIN_KINDS:
        if not is_admin(user):
            raise PermissionDenied("Only admins export the platform's data.", code="admin_required")
    elif kind in INSTRUCTOR_KINDS:
        if not (user.is_instructor or is_admin(user)):
            raise PermissionDenied("Only instructors export their students and sales.")
    else:
        raise ExportError(f"There is no export of “{kind}”.", code="invalid_export")
    if format not in ExportFormat.values:
        raise ExportError("The format is csv or xlsx.", code="invalid_export")
    if date_from and date_to and date_to < date_from:
        raise ExportError("“to” is before “from”.", code="invalid_range")
    from agora.analytics.tasks import run_export

    with transaction.atomic():
        export = Export.objects.create(
            requested_by=user, kind=kind, format=format, date_from=date_from, date_to=date_to
        )
        jobs.enqueue(run_export, export_id=str(export.pk))
    return export


def exports_of(*, user: User) -> QuerySet[Export]:
    return Export.objects.filter(requested_by=user).order_by("-created_at")


def get_export_for_owner(*, user: User, export_id: UUID | str) -> Export:
    """Only the person who asked sees an export; everyone else, admins included, 404."""
    try:
        key = export_id if isinstance(export_id, UUID) else UUID(str(export_id))
    except ValueError:
        key = None
    export = Export.objects.filter(pk=key, requested_by=user).first() if key else None
    if export is None:
        raise NotFound("There is no such export.", code="export_not_found")
    return export


# --- links -----------------------------------------------------------------------------------
def download_url(export: Export) -> str | None:
    if export.status != ExportStatus.DONE:
        return None
    token = signing.dumps({"e": str(export.pk), "u": export.requested_by_id}, salt=LINK_SALT)
    return reverse("analytics_export_download", kwargs={"token": token})


def export_for_link(*, token: str, user: Any) -> Export:
    """The export a link names, if the link is genuine, not expired, and used by the person
    it was made for (signed in as them); otherwise NotFound."""
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=settings.EXPORT_LINK_MAX_AGE)
        export_id, owner_id = UUID(payload["e"]), int(payload["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise NotFound("This link is invalid or has expired.", code="export_not_found") from exc
    if not user.is_authenticated or user.pk != owner_id:
        raise NotFound("There is no such export.", code="export_not_found")
    export = Export.objects.filter(pk=export_id, requested_by_id=owner_id).first()
    if export is None or export.status != ExportStatus.DONE or not export.file_name:
        raise NotFound("There is no such export.", code="export_not_found")
    return export


def content_type(export: Export) -> str:
    if export.format == ExportFormat.XLSX:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return "text/csv; charset=utf-8"


def download_name(export: Export) -> str:
    return (
        f"agora-{export.kind}-{timezone.localtime(export.created_at):%Y%m%d-%H%M}.{export.format}"
    )


# --- the tables ------------------------------------------------------------------------------
def _bounds(export: Export) -> tuple[datetime | None, datetime | None]:
    start = end = None
    if export.date_from:
        start = day_bounds(export.date_from, export.date_from)[0]
    if export.date_to:
        end = day_bounds(export.date_to, export.date_to)[1]
    return start, end


def _window(queryset: QuerySet[Any], field: str, export: Export) -> QuerySet[Any]:
    start, end = _bounds(export)
    if start:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset


def table_for(export: Export) -> ExportTable:
    start, end = _bounds(export)
    owner = export.requested_by
    if export.kind == ExportKind.USERS:
        users = _window(User.objects.order_by("id"), "date_joined", export)
        return ExportTable(
            [
                "user_id",
                "email",
                "name",
                "date_joined",
                "is_instructor",
                "is_staff",
                "suspended_at",
            ],
            users.filter(erased_at__isnull=True).values_list(
                "id", "email", "name", "date_joined", "is_instructor", "is_staff", "suspended_at"
            ),
        )
    if export.kind == ExportKind.ENROLLMENTS:
        enrollments = _window(Enrollment.objects.order_by("id"), "created_at", export)
        return ExportTable(
            [
                "enrollment_id",
                "created_at",
                "learner_id",
                "course_id",
                "source",
                "progress_percent",
                "completed_at",
                "revoked_at",
            ],
            enrollments.values_list(
                "id",
                "created_at",
                "learner_id",
                "course_id",
                "source",
                "progress_percent",
                "completed_at",
                "revoked_at",
            ),
        )
    if export.kind == ExportKind.STUDENTS:
        courses = instructor_courses(user=owner).values("pk")
        enrollments = _window(
            Enrollment.objects.filter(course__in=courses).order_by("course_id", "id"),
            "created_at",
            export,
        )
        return ExportTable(
            [
                "course_id",
                "course",
                "learner",
                "enrolled_at",
                "source",
                "progress_percent",
                "completed_at",
                "last_activity_at",
                "revoked_at",
            ],
            enrollments.values_list(
                "course_id",
                "course__title",
                "learner__name",
                "created_at",
                "source",
                "progress_percent",
                "completed_at",
                "last_activity_at",
                "revoked_at",
            ),
        )
    if export.kind == ExportKind.ORDERS:
        return commerce_exports.orders_table(start=start, end=end)
    if export.kind == ExportKind.PAYOUTS:
        return commerce_exports.payouts_table(start=start, end=end)
    if export.kind == ExportKind.LEDGER:
        return commerce_exports.ledger_table(start=start, end=end)
    if export.kind == ExportKind.SALES:
        return commerce_exports.instructor_sales_table(instructor=owner, start=start, end=end)
    raise ExportError(f"There is no export of “{export.kind}”.", code="invalid_export")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    return "" if value is None else value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    value = "" if value is None else value
    # A text cell starting with = + - @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# --- the job ---------------------------------------------------------------------------------
def run_export(*, export_id: UUID) -> str:
    with transaction.atomic():
        export = Export.objects.select_for_update().filter(pk=export_id).first()
        if export is None:
            return "gone"
        if export.status == ExportStatus.DONE:
            return "already done"
        table = table_for(export)
        export.status = ExportStatus.RUNNING
        export.started_at = timezone.now()
        export.rows_written = 0
        export.rows_total = table.count()
        export.save(update_fields=["status", "started_at", "rows_written", "rows_total"])
    try:
        name, size = _write(export, table)
    except Exception as exc:
        Export.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:500],
            finished_at=timezone.now(),
        )
        raise
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE,
        file_name=name,
        size_bytes=size,
        rows_written=export.rows_total or 0,
        error="",
        finished_at=timezone.now(),
    )
    return "done"


def _counted(export: Export, rows: Iterator[Any]) -> Iterator[Any]:
    written = 0
    for row in rows:
        yield row
        written += 1
        if written % PROGRESS_EVERY == 0:
            Export.objects.filter(pk=export.pk).update(rows_written=written)


def _write(export: Export, table: ExportTable) -> tuple[str, int]:
    rows = _counted(export, table.iterate())
    with tempfile.TemporaryFile() as spool:
        if export.format == ExportFormat.XLSX:
            from openpyxl import Workbook

            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet(title=export.kind)
            sheet.append(table.header)
            for row in rows:
                sheet.append([_cell(value) for value in row])
            workbook.save(spool)
        else:
            text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(table.header)
            for row in rows:
                writer.writerow([_csv_cell(value) for value in row])
            text.flush()
            text.detach()
        size = spool.tell()
        spool.seek(0)
        target = f"{export.requested_by_id}/{export.pk}.{export.format}"
        if storage().exists(target):
            storage().delete(target)
        name = storage().save(target, File(spool))
    return name, size


def purge_old_exports(*, now: datetime | None = None) -> int:
    """Deletes export files (and rows) older than EXPORT_KEEP_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.EXPORT_KEEP_DAYS)
    old = list(Export.objects.filter(created_at__lt=cutoff).values_list("pk", "file_name"))
    for _, name in old:
        if name and storage().exists(name):
            storage().delete(name)
    Export.objects.filter(pk__in=[pk for pk, _ in old]).delete()
    return len(old)
