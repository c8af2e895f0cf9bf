from uuid import UUID

from celery import shared_task

from agora.analytics import exports, rollups


@shared_task
def refresh_rollups() -> int:
    """Rewrites the rollups of the most recent days (idempotent)."""
    return rollups.refresh_recent().rows


@shared_task
def run_export(*, export_id: str) -> str:
    """Writes one export's file (idempotent: a finished export is left alone)."""
    return exports.run_export(export_id=UUID(export_id))


@shared_task
def purge_old_exports() -> int:
    """Deletes export files older than EXPORT_KEEP_DAYS (idempotent)."""
    return exports.purge_old_exports()
