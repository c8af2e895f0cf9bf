from celery import shared_task

from agora.commerce.services import payments, refunds


@shared_task(acks_late=True)
def process_payment_event(*, event_id: int) -> str:
    """Applies one stored webhook event (idempotent: a second run does nothing)."""
    return payments.process_event(event_id=event_id)


@shared_task
def release_escrow() -> int:
    """Makes instructor shares available once the refund window has passed (idempotent)."""
    return refunds.release_escrow()
