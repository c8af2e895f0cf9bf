from celery import shared_task

from agora.learning.certificates import services

# Storage (S3 in production) can fail for a moment; anything else is a bug to look at.
TRANSIENT_STORAGE_ERRORS = (ConnectionError, TimeoutError)


@shared_task(
    # The name jobs already in the outbox and the queue routes know it by.
    name="agora.learning.tasks.deliver_certificate",
    acks_late=True,
    autoretry_for=TRANSIENT_STORAGE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def deliver_certificate(*, certificate_id: int) -> str:
    """Stores a new certificate's PDF and emails the learner (idempotent: a second run
    changes nothing)."""
    return services.deliver_certificate(certificate_id=certificate_id)
