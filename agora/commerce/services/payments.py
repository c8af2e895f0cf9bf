"""The payment pipeline: webhooks in, orders paid, learners enrolled, the ledger written.

Every provider's events go through the same two steps: `receive_webhook` verifies and stores
the raw event once (answering the provider fast), and `process_event` (a job) applies it under
row locks. Processing is idempotent and tolerates duplicates, concurrency and events that
arrive out of order: nothing ever moves a paid order back.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agora.commerce import providers
from agora.commerce.models import (
    Coupon,
    CouponRedemption,
    LedgerAccount,
    LedgerTransactionKind,
    Order,
    OrderStatus,
    PaymentEvent,
)
from agora.commerce.providers import WebhookEvent
from agora.commerce.services import disputes, ledger, refunds
from agora.commerce.services.ledger import Posting, split
from agora.core import jobs
from agora.core.errors import NotFound
from agora.learning.models import EnrollmentSource
from agora.learning.services import grant_enrollment

logger = logging.getLogger(__name__)


# --- receiving -------------------------------------------------------------------------------
def receive_webhook(*, provider_name: str, body: bytes, headers: dict[str, str]) -> PaymentEvent:
    """Verifies and stores one event; a redelivery finds the stored one and changes nothing.
    Raises InvalidSignature (400) before anything is stored."""
    if provider_name not in providers.enabled():
        raise NotFound("There is no such payment provider here.", code="provider_not_found")
    event = providers.get(provider_name).parse_webhook(body=body, headers=headers)
    with transaction.atomic():
        stored, created = PaymentEvent.objects.get_or_create(
            provider=provider_name,
            event_id=event.event_id,
            defaults={
                "type": event.type,
                "payment_id": event.payment_id,
                "dispute_id": event.dispute_id,
                "amount": event.amount,
                "currency": event.currency,
                "payload": event.payload,
            },
        )
        if created:
            from agora.commerce.tasks import process_payment_event

            jobs.enqueue(process_payment_event, event_id=stored.pk)
    return stored


# --- processing ------------------------------------------------------------------------------
def process_event(*, event_id: int) -> str:
    """Applies a stored event once. Returns what it did (kept on the event for admins)."""
    with transaction.atomic():
        event = PaymentEvent.objects.select_for_update().get(pk=event_id)
        if event.processed_at is not None:
            return event.outcome
        order = (
            Order.objects.select_for_update()
            .filter(provider=event.provider, provider_payment_id=event.payment_id)
            .first()
        )
        if order is None:
            outcome = "ignored: no order has this payment id"
        elif event.type == "payment.succeeded":
            outcome = _payment_succeeded(order, event)
        elif event.type == "payment.failed":
            outcome = _payment_failed(order)
        elif event.type == "refund.succeeded":
            outcome = refunds.apply_refund(order=order, reason="Refunded at the payment provider.")
        elif event.type in disputes.EVENT_STATUSES:
            outcome = disputes.apply_dispute_event(order=order, event=event)
        else:
            outcome = f"ignored: {event.type} is not handled"
        event.processed_at = timezone.now()
        event.outcome = outcome[:500]
        event.save(update_fields=["processed_at", "outcome"])
    logger.info("payment event %s (%s): %s", event.event_id, event.type, outcome)
    return outcome


def _payment_succeeded(order: Order, event: PaymentEvent) -> str:
    if order.status in {OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.CHARGED_BACK}:
        return f"ignored: order already {order.status}"
    if event.amount != order.total or event.currency != order.currency:
        logger.warning(
            "payment %s paid %s %s for order %s of %s %s: not fulfilled",
            event.payment_id,
            event.amount,
            event.currency,
            order.pk,
            order.total,
            order.currency,
        )
        return (
            f"amount mismatch: paid {event.amount} {event.currency}, order is "
            f"{order.total} {order.currency}; nothing fulfilled (needs an admin)"
        )
    fulfil(order=order, note=f"{event.provider} {event.event_id}")
    return "fulfilled"


def _payment_failed(order: Order) -> str:
    if order.status != OrderStatus.PENDING:
        return f"ignored: order is {order.status}"
    close_unpaid(order=order, status=OrderStatus.FAILED, reason="The payment was declined.")
    return "order failed"


def close_unpaid(*, order: Order, status: OrderStatus, reason: str) -> None:
    """Ends an unpaid order and gives its coupon use back."""
    order.status = status
    order.failure_reason = reason[:500]
    order.save(update_fields=["status", "failure_reason"])
    released = CouponRedemption.objects.filter(
        order=order, status=CouponRedemption.Status.RESERVED
    ).update(status=CouponRedemption.Status.RELEASED)
    if released and order.coupon_id:
        Coupon.objects.filter(pk=order.coupon_id, uses__gt=0).update(uses=F("uses") - 1)


def fulfil(*, order: Order, note: str) -> None:
    """Marks the order paid, enrolls the buyer in every course, writes the sale to the ledger
    and queues the receipt: all in the caller's transaction, all or nothing. The caller holds
    the order's row lock. Safe to call again: the ledger key and enrollments are unique."""
    order.status = OrderStatus.PAID
    order.paid_at = order.paid_at or timezone.now()
    order.save(update_fields=["status", "paid_at"])
    items = list(order.items.select_related("course"))
    for item in items:
        grant_enrollment(learner=order.buyer, course=item.course, source=EnrollmentSource.PURCHASE)
    CouponRedemption.objects.filter(order=order).update(status=CouponRedemption.Status.REDEEMED)
    if order.total:
        ledger.post(
            kind=LedgerTransactionKind.SALE,
            idempotency_key=f"sale:order:{order.pk}",
            postings=sale_postings(order, items),
            description=f"Order {order.number} ({note})",
        )
    from agora.commerce.tasks import send_receipt

    jobs.enqueue(send_receipt, order_id=order.pk)


def sale_postings(order: Order, items: list) -> list[Posting]:
    """Provider clearing receives the total; it is owed on as tax, the platform's commission
    and each instructor's share (in escrow). Commission is rounded down; instructor shares
    split the rest exactly (ledger.split)."""
    currency = order.currency
    postings = [
        Posting(LedgerAccount.PROVIDER_CLEARING, order.total, currency),
        Posting(LedgerAccount.TAX_PAYABLE, -order.tax, currency),
    ]
    for item in items:
        net = item.price - item.discount
        platform = net * item.commission_basis_points // 10_000
        postings.append(Posting(LedgerAccount.PLATFORM_REVENUE, -platform, currency))
        shares = split(
            net - platform, [(s["user_id"], s["percent"]) for s in item.instructor_shares]
        )
        postings += [
            Posting(LedgerAccount.INSTRUCTOR_PENDING, -amount, currency, instructor_id)
            for instructor_id, amount in shares.items()
        ]
    return postings


def demo_outcome(*, payment_id: str, succeed: bool) -> PaymentEvent:
    """What the demo pay page does when the buyer presses a button: the demo provider sends
    its signed webhook, which enters the same pipeline as any provider's."""
    from agora.commerce.providers import demo

    order = Order.objects.filter(provider="demo", provider_payment_id=payment_id).first()
    if order is None:
        raise NotFound("There is no such payment.", code="payment_not_found")
    body = demo.event_body(
        event_type="payment.succeeded" if succeed else "payment.failed",
        payment_id=payment_id,
        amount=order.total,
        currency=order.currency,
    )
    return receive_webhook(
        provider_name="demo", body=body, headers={demo.SIGNATURE_HEADER: demo.sign(body)}
    )


__all__ = ["close_unpaid", "fulfil", "process_event", "receive_webhook"]


PENDING_ORDER_TTL = timedelta(hours=24)
STUCK_EVENT_AGE = timedelta(minutes=5)


def reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """The safety net behind webhooks, run periodically:
    - events stored but never processed (a worker died) are processed now;
    - pending orders are re-checked with their provider, so a missed webhook never strands
      a buyer who paid; a payment the provider reports settled goes through the same
      pipeline as its webhook would have;
    - orders left unpaid for a day are canceled and their coupon uses given back."""
    now = now or timezone.now()
    counts = {"events": 0, "settled": 0, "canceled": 0}
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
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.status == OrderStatus.PENDING:
                close_unpaid(
                    order=locked, status=OrderStatus.CANCELED, reason="Not paid within a day."
                )
                counts["canceled"] += 1
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
