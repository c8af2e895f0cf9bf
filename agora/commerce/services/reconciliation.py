"""Reconciliation: asking the providers about orders whose webhook never came, and settling
an order when its buyer returns from the provider's page before the webhook."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from agora.commerce import providers
from agora.commerce.locks import lock_buyer
from agora.commerce.models import (
    LedgerTransaction,
    Order,
    OrderStatus,
    PaymentEvent,
)
from agora.commerce.providers import WebhookEvent
from agora.commerce.services.payments import close_unpaid, process_event, return_payment

logger = logging.getLogger(__name__)

PENDING_ORDER_TTL = timedelta(hours=24)
STUCK_EVENT_AGE = timedelta(minutes=5)


def reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """The safety net behind webhooks, run periodically:
    - events stored but never processed (a worker died) are processed now;
    - pending orders are re-checked with their provider, so a missed webhook never strands
      a buyer who paid; a payment the provider reports settled goes through the same
      pipeline as its webhook would have;
    - orders left unpaid for a day are canceled and their coupon uses given back;
    - payments owed back (`refund_pending`) for a few minutes, whose refund job failed or was
      lost, are refunded now; a provider still down leaves them for the next run."""
    now = now or timezone.now()
    counts = {"events": 0, "settled": 0, "canceled": 0, "returned": 0}
    stuck = PaymentEvent.objects.filter(
        processed_at__isnull=True, received_at__lt=now - STUCK_EVENT_AGE
    )
    for event_id in stuck.values_list("pk", flat=True):
        process_event(event_id=event_id)
        counts["events"] += 1
    pending = Order.objects.filter(status=OrderStatus.PENDING, provider_payment_id__isnull=False)
    for order in pending.filter(created_at__lt=now - STUCK_EVENT_AGE):
        if order.provider not in providers.enabled():
            continue
        state = providers.get(order.provider).payment_state(
            payment_id=order.provider_payment_id or ""
        )
        if state is not None:
            event = _store_reconciled(order, state)
            process_event(event_id=event.pk)
            counts["settled"] += 1
    for order in Order.objects.filter(
        status=OrderStatus.PENDING, created_at__lt=now - PENDING_ORDER_TTL
    ):
        with transaction.atomic():
            lock_buyer(order.buyer_id)
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.status == OrderStatus.PENDING:
                close_unpaid(
                    order=locked, status=OrderStatus.CANCELED, reason="Not paid within a day."
                )
                counts["canceled"] += 1
    owed = dict(
        Order.objects.filter(status=OrderStatus.REFUND_PENDING).values_list("pk", "provider")
    )
    # Owed only since moments ago: the job scheduled then is still on it.
    fresh = set(
        LedgerTransaction.objects.filter(
            idempotency_key__in=[f"unfulfilled:order:{pk}" for pk in owed],
            created_at__gte=now - STUCK_EVENT_AGE,
        ).values_list("idempotency_key", flat=True)
    )
    for order_id, provider_name in owed.items():
        if f"unfulfilled:order:{order_id}" in fresh:
            continue
        if provider_name not in providers.enabled():
            continue  # stays refund_pending, in the admin's list, until the provider is back
        try:
            return_payment(order_id=order_id)
        except Exception:
            # One refund the provider refuses must not hold up the others.
            logger.exception("the refund of order %s failed; the next run tries again", order_id)
            continue
        counts["returned"] += 1
    return counts


def _store_reconciled(order: Order, state: WebhookEvent) -> PaymentEvent:
    stored, _ = PaymentEvent.objects.get_or_create(
        provider=order.provider,
        event_id=state.event_id,
        defaults={
            "type": state.type,
            "payment_id": state.payment_id,
            "dispute_id": state.dispute_id,
            "amount": state.amount,
            "currency": state.currency,
            "payload": state.payload,
        },
    )
    return stored


def settle_on_return(*, order: Order) -> str | None:
    """When the buyer comes back from the provider's page, ask the provider at once instead of
    waiting for its webhook (PayPal captures an approved order only when asked). The answer
    goes through the same pipeline; a provider that is down changes nothing (reconciliation
    retries later). Returns the outcome, or None when there was nothing to settle."""
    if order.status != OrderStatus.PENDING or not order.provider_payment_id:
        return None
    if order.provider not in providers.enabled():
        return None
    try:
        state = providers.get(order.provider).payment_state(payment_id=order.provider_payment_id)
    except providers.ProviderUnavailable:
        logger.warning("provider %s unavailable while settling order %s", order.provider, order.pk)
        return None
    if state is None:
        return None
    return process_event(event_id=_store_reconciled(order, state).pk)
