from celery import shared_task

from agora.catalog import services, view_counts


@shared_task
def recompute_trending() -> int:
    """Scores every course by its recent views and enrollments (idempotent)."""
    return services.recompute_trending()


@shared_task
def fold_course_views() -> int:
    """Adds the page views buffered in Redis to the courses' figures (exactly once)."""
    return view_counts.fold()
