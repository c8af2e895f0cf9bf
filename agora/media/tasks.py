from celery import shared_task

from agora.media import resumable


@shared_task
def purge_expired_uploads() -> int:
    """Removes resumable uploads that were never finished before they expired."""
    return resumable.purge_expired()
