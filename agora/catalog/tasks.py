from celery import shared_task

from agora.catalog import services


@shared_task
def recompute_trending() -> int:
    """Scores every course by its recent views and enrollments (idempotent)."""
    return services.recompute_trending()
