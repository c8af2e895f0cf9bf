from celery import shared_task

from agora.commerce.providers import ProviderUnavailable
from agora.commerce.services import (
    gifts,
    invoices,
    payments,
    payouts,
    reconciliation,
    refunds,
    subscription_events,
    subscription_payouts,
    wishlist,
)
from agora.core.tasks import TRANSIENT_MAIL_ERRORS


@shared_task(acks_late=True)
def process_payment_event(*, event_id: int) -> str:
    """Applies one stored webhook event (idempotent: a second run does nothing)."""
    return payments.process_event(event_id=event_id)


@shared_task(
    acks_late=True,
    autoretry_for=(ProviderUnavailable,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def return_payment(*, order_id: int) -> str:
    """Refunds a payment that arrived for an order that could not honour it (idempotent:
    one refund at the provider, recorded once). Retries while the provider is down; the
    periodic reconciliation picks up whatever is still owed after that."""
    return payments.return_payment(order_id=order_id)


@shared_task
def release_escrow() -> int:
    """Makes instructor shares available once the refund window has passed (idempotent)."""
    return refunds.release_escrow()


@shared_task(autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, max_retries=6)
def send_receipt(*, order_id: int) -> None:
    """The payment confirmation with the invoice PDF attached."""
    invoices.send_receipt(order_id=order_id)


@shared_task
def reconcile_payments() -> dict[str, int]:
    """Processes stuck events, re-checks pending orders, cancels stale ones (idempotent)."""
    return reconciliation.reconcile()


@shared_task
def run_payouts() -> dict[str, int]:
    """Pays available balances above PAYOUT_MINIMUM through Stripe Connect (each payout
    exactly once, however many runs overlap)."""
    return payouts.run_scheduled_payouts()


@shared_task
def tell_wishers_of_coupon(*, coupon_id: int) -> int:
    """Tells learners whose wishlist a new coupon covers (once: the job runs once per
    coupon; a redelivered run of a finished job is skipped by the outbox)."""
    return wishlist.coupon_available(coupon_id=coupon_id)


@shared_task(acks_late=True)
def deliver_gift(*, gift_id: int) -> str:
    """Emails a paid gift's redeem link to its recipient, once (queued with a delay when the
    buyer chose a delivery date)."""
    return gifts.deliver_gift(gift_id=gift_id)


@shared_task
def settle_subscriptions() -> dict[str, int]:
    """Ends subscriptions canceled at their period's end and expires unpaid ones once their
    grace period is over (idempotent; access never waits for it)."""
    return subscription_events.settle_subscriptions()


@shared_task
def split_subscription_pool() -> dict[str, str]:
    """Pays instructors their share of last month's subscription pool (once per month and
    currency, however often it runs)."""
    return subscription_payouts.split_previous_month()
