"""The learning app's Celery tasks. Celery looks for tasks in each app's `tasks` module; the
certificate job lives with the certificates."""

from celery import shared_task

from agora.learning import exercises, positions
from agora.learning.certificates.tasks import deliver_certificate

__all__ = ["deliver_certificate", "fold_positions", "run_code"]


@shared_task(acks_late=True)
def run_code(*, code_run_id: int) -> str:
    """Runs a learner's program against its tests (the `code` queue)."""
    return exercises.execute_code_run(code_run_id=code_run_id)


@shared_task
def fold_positions() -> int:
    """Writes the position reports and watching time buffered in Redis (exactly once)."""
    return positions.fold()
