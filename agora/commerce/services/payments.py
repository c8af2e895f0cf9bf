"""The payment pipeline: webhooks in, orders paid, learners enrolled, the ledger written.

Every provider's events go through the same two steps: `receive_webhook` verifies and stores
the raw event once (answering the provider fast), and `process_event` (a job) applies it under
row locks. Processing is idempotent and tolerates duplicates, concurrency and events that
arrive out of order: nothing ever moves a paid order back.

A payment can arrive late: for an order that was replaced by a newer checkout, canceled as
stale or failed, or for courses the buyer got meanwhile through another order. Such an order
is revived and fulfilled when it still can be (no course of it is owned already, its coupon
can be had again); otherwise nothing is fulfilled and the money goes back: the order becomes
`refund_pending` (the ledger owes the total back to the buyer) and a job refunds it through
the provider, after which it is `auto_refunded`. Either way one buyer never ends up with two
paid orders for a course, and no coupon goes past max_uses.
"""

import logging

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog import access
from agora.catalog import queries as catalog_queries
from agora.commerce import events, providers
from agora.commerce.errors import CommerceError
from agora.commerce.locks import lock_buyer
from agora.commerce.models import (
    CouponRedemption,
    LedgerAccount,
    LedgerTransactionKind,
    Order,
    OrderItem,
    OrderStatus,
    PaymentEvent,
)
from agora.commerce.providers.base import EventType
from agora.commerce.services import (
    coupon_uses,
    disputes,
    gifts,
    ledger,
    refunds,
    subscription_events,
)
from agora.commerce.services.ledger import Posting, split
from agora.core import jobs
from agora.core.errors import NotFound
from agora.core.events import emit
from agora.learning.models import EnrollmentSource
from agora.learning.services import grant_enrollment
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify_many

logger = logging.getLogger(__name__)


# --- receiving -------------------------------------------------------------------------------
def receive_webhook(*, provider_name: str, body: bytes, headers: dict[str, str]) -> PaymentEvent:
    """Verifies and stores one event; a redelivery finds the stored one and changes nothing.
    Raises InvalidSignature (400) before anything is stored."""
    if provider_name not in providers.enabled():
        raise NotFound(
            "There is no such payment provider here.", code=CommerceError.PROVIDER_NOT_FOUND
        )
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
        for_subscription = subscription_events.handles(event)
        order = None if for_subscription else _lock_order_of(event)
        if for_subscription:
            outcome = subscription_events.apply_event(event=event)
        elif order is None:
            outcome = "ignored: no order has this payment id"
        elif event.type == EventType.PAYMENT_SUCCEEDED:
            outcome = _payment_succeeded(order, event)
        elif event.type == EventType.PAYMENT_FAILED:
            outcome = _payment_failed(order)
        elif (
            event.type == EventType.REFUND_SUCCEEDED and order.status == OrderStatus.REFUND_PENDING
        ):
            # The provider reports the return before our job recorded it (or an admin
            # refunded at the provider): record it, so the job refunds nothing more.
            outcome = _record_return(order, refund_id="")
        elif event.type == EventType.REFUND_SUCCEEDED:
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


def _lock_order_of(event: PaymentEvent) -> Order | None:
    """The event's order, locked after its buyer (commerce/locks.py): payments of one buyer's
    orders are decided one at a time, so two of them cannot both fulfil a course."""
    found = (
        Order.objects.filter(provider=event.provider, provider_payment_id=event.payment_id)
        .values_list("pk", "buyer_id")
        .first()
    )
    if found is None:
        return None
    order_id, buyer_id = found
    lock_buyer(buyer_id)
    return Order.objects.select_for_update().get(pk=order_id)


# What a payment can no longer change: the order was paid (and maybe reversed since), or its
# payment was already judged late and is going (or went) back.
_SETTLED = {
    OrderStatus.PAID,
    OrderStatus.REFUNDED,
    OrderStatus.CHARGED_BACK,
    OrderStatus.REFUND_PENDING,
    OrderStatus.AUTO_REFUNDED,
}


class _CannotHonour(Exception):
    """Why a late payment's order cannot be revived (a phrase for the refund reason)."""


def _payment_succeeded(order: Order, event: PaymentEvent) -> str:
    """The caller holds the buyer's and the order's row locks."""
    if order.status in _SETTLED:
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
    was = OrderStatus(order.status)
    items = list(order.items.select_related("course"))
    owned = _owned_elsewhere(order, items)
    if owned is not None:
        return _owe_back(order, was, f"the buyer already has “{owned.title}”")
    try:
        with transaction.atomic():
            # This paid order replaces the buyer's other unpaid ones of these courses (their
            # payments, if they come, go back). Done first: a replacement made with the same
            # coupon gives its use back, and this order can take it again.
            _cancel_other_pending(order, items)
            if was != OrderStatus.PENDING:
                _reserve_coupon_again(order)
    except _CannotHonour as problem:
        return _owe_back(order, was, str(problem))
    if was != OrderStatus.PENDING:
        order.failure_reason = ""
        order.save(update_fields=["failure_reason"])
    fulfil(order=order, note=f"{event.provider} {event.event_id}")
    if was != OrderStatus.PENDING:
        logger.info("order %s paid after it was %s: revived and fulfilled", order.pk, was)
        return f"fulfilled: paid after it was {was}, revived"
    return "fulfilled"


def _owned_elsewhere(order: Order, items: list[OrderItem]) -> OrderItem | None:
    """The first course of the order the buyer has already: another paid order of it, an
    enrollment (or other access), or they teach it. A gift is for someone else: None."""
    if gifts.is_gift(order):
        return None
    buyer = order.buyer
    for item in items:
        bought = (
            OrderItem.objects.filter(
                order__buyer_id=order.buyer_id, order__status=OrderStatus.PAID, course=item.course
            )
            .exclude(order_id=order.pk)
            .exists()
        )
        if (
            bought
            or access.has_learner_access(buyer, item.course)
            or access.is_course_instructor(buyer, item.course)
        ):
            return item
    return None


def _cancel_other_pending(order: Order, items: list[OrderItem]) -> None:
    """Cancels the buyer's other unpaid orders sharing a course with this one, as a newer
    checkout would. The caller holds the buyer's row lock. Gifts replace nothing, and are
    not replaced."""
    if gifts.is_gift(order):
        return
    overlapping = list(
        Order.objects.filter(
            buyer_id=order.buyer_id,
            status=OrderStatus.PENDING,
            items__course__in=[item.course_id for item in items],
            gift__isnull=True,
        )
        .exclude(pk=order.pk)
        .values_list("pk", flat=True)
        .distinct()
    )
    for other in Order.objects.select_for_update().filter(pk__in=overlapping).order_by("pk"):
        if other.status == OrderStatus.PENDING:
            close_unpaid(
                order=other,
                status=OrderStatus.CANCELED,
                reason=f"Replaced: order {order.number} for the same course was paid.",
            )


def _reserve_coupon_again(order: Order) -> None:
    """Takes the coupon use a canceled or failed order gave back, under the same guards as
    checkout (max_uses, once per buyer), or raises _CannotHonour. Runs in a savepoint the
    caller rolls back on _CannotHonour. The coupon's expiry and switch are not asked again:
    the price was agreed at checkout, and the buyer paid it."""
    if order.coupon_id is None:
        return
    redemption = CouponRedemption.objects.filter(order=order).first()
    if redemption is not None and redemption.status != CouponRedemption.Status.RELEASED:
        return  # the order still holds its use
    if not coupon_uses.take_use(order.coupon_id):
        raise _CannotHonour("its coupon was used up meanwhile")
    try:
        with transaction.atomic():
            if redemption is None:
                CouponRedemption.objects.create(
                    coupon_id=order.coupon_id, buyer_id=order.buyer_id, order=order
                )
            else:
                CouponRedemption.objects.filter(pk=redemption.pk).update(
                    status=CouponRedemption.Status.RESERVED
                )
    except IntegrityError as exc:
        raise _CannotHonour("the buyer has used its coupon on another order") from exc


def _owe_back(order: Order, was: OrderStatus, why: str) -> str:
    """A payment the order cannot honour: nothing is fulfilled, the ledger records the money
    received and owed back to the buyer, and a job refunds it through the provider after
    commit. The caller holds the buyer's and the order's row locks."""
    when = {
        OrderStatus.PENDING: "",
        OrderStatus.CANCELED: " after it was canceled",
        OrderStatus.FAILED: " after it failed",
    }.get(was, f" after it was {was}")
    reason = f"Paid{when}; refunded automatically: {why}."
    coupon_uses.give_back(order)
    order.status = OrderStatus.REFUND_PENDING
    order.failure_reason = reason[:500]
    order.save(update_fields=["status", "failure_reason"])
    if order.total:
        _move_total(
            order,
            kind=LedgerTransactionKind.UNFULFILLED_PAYMENT,
            key="unfulfilled",
            into=LedgerAccount.PROVIDER_CLEARING,
            out_of=LedgerAccount.REFUNDS_PAYABLE,
            description=f"Order {order.number}: {reason}",
        )
    from agora.commerce.tasks import return_payment as return_payment_task

    jobs.enqueue(return_payment_task, order_id=order.pk)
    logger.warning("order %s: %s", order.pk, reason)
    return f"refund due: {reason}"


def return_payment(*, order_id: int) -> str:
    """Refunds, through its provider, the payment of an order that could not honour it
    (`refund_pending`), then records the return. Safe to run again and at once: the
    provider's idempotency key makes one refund, the order's lock and the ledger key one
    record. A provider that is down raises ProviderUnavailable and changes nothing: the job
    retries, and `reconcile` tries again until the money is back."""
    order = Order.objects.get(pk=order_id)
    if order.status != OrderStatus.REFUND_PENDING:
        return f"ignored: order is {order.status}"
    refund_id = providers.get(order.provider).refund(
        order=order, idempotency_key=f"refund-{order.pk}"
    )
    with transaction.atomic():
        return _record_return(Order.objects.select_for_update().get(pk=order_id), refund_id)


def _record_return(order: Order, refund_id: str) -> str:
    """The caller holds the order's row lock."""
    if order.status != OrderStatus.REFUND_PENDING:
        return f"ignored: order is {order.status}"
    order.status = OrderStatus.AUTO_REFUNDED
    order.refunded_at = timezone.now()
    order.refund_reason = order.failure_reason
    order.provider_refund_id = refund_id[:200]
    order.save(update_fields=["status", "refunded_at", "refund_reason", "provider_refund_id"])
    if order.total:
        how = refund_id or "by the provider"
        _move_total(
            order,
            kind=LedgerTransactionKind.PAYMENT_RETURN,
            key="return",
            into=LedgerAccount.REFUNDS_PAYABLE,
            out_of=LedgerAccount.PROVIDER_CLEARING,
            description=f"Order {order.number}: payment returned ({how})",
        )
    logger.info("order %s: late payment returned (%s)", order.pk, refund_id)
    return "refund recorded: payment returned"


def _move_total(
    order: Order,
    *,
    kind: LedgerTransactionKind,
    key: str,
    into: LedgerAccount,
    out_of: LedgerAccount,
    description: str,
) -> None:
    """One ledger transaction moving the order's whole total between two platform accounts,
    once per order (`<key>:order:<id>`)."""
    ledger.post(
        kind=kind,
        idempotency_key=f"{key}:order:{order.pk}",
        postings=[
            Posting(into, order.total, order.currency),
            Posting(out_of, -order.total, order.currency),
        ],
        description=description,
    )


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
    coupon_uses.give_back(order)


def fulfil(*, order: Order, note: str) -> None:
    """Marks the order paid, enrolls the buyer in every course, writes the sale to the ledger
    and queues the receipt: all in the caller's transaction, all or nothing. The caller holds
    the order's row lock. Safe to call again: the ledger key and enrollments are unique."""
    order.status = OrderStatus.PAID
    order.paid_at = order.paid_at or timezone.now()
    order.save(update_fields=["status", "paid_at"])
    items = list(order.items.select_related("course"))
    if gifts.is_gift(order):
        gifts.gift_paid(order=order)  # the recipient is enrolled when they redeem it
    else:
        for item in items:
            grant_enrollment(
                learner=order.buyer, course=item.course, source=EnrollmentSource.PURCHASE
            )
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
    if order.total:  # a free enrollment is not a sale
        _tell_instructors_of_sale(order, items)


def _tell_instructors_of_sale(order: Order, items: list[OrderItem]) -> None:
    buyer = order.buyer.get_short_name() or "A learner"
    sellers: dict[int, User] = {}
    for item in items:
        instructors = catalog_queries.course_instructors(item.course)
        sellers.update((person.pk, person) for person in instructors)
        notify_many(
            instructors,
            NotificationKind.SALE,
            title=f"New sale: “{item.course.title}”",
            body=f"{buyer} enrolled through order {order.number}.",
            url=reverse("studio_earnings"),
        )
    emit(events.SALE, order=order, instructors=list(sellers.values()))


def sale_postings(order: Order, items: list[OrderItem]) -> list[Posting]:
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
        raise NotFound("There is no such payment.", code=CommerceError.PAYMENT_NOT_FOUND)
    body = demo.event_body(
        event_type=EventType.PAYMENT_SUCCEEDED if succeed else EventType.PAYMENT_FAILED,
        payment_id=payment_id,
        amount=order.total,
        currency=order.currency,
    )
    return receive_webhook(
        provider_name="demo", body=body, headers={demo.SIGNATURE_HEADER: demo.sign(body)}
    )


__all__ = ["close_unpaid", "fulfil", "process_event", "receive_webhook", "return_payment"]
