from celery import shared_task

from agora.notifications import services


@shared_task(acks_late=True)
def send_notification_emails(*, user_id: int) -> int:
    """One email (or digest) with the person's pending notifications; idempotent."""
    return services.send_pending_emails(user_id)
