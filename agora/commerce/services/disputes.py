"""Disputes (chargebacks): a buyer's bank takes the payment back unless the platform wins.

- opened: each instructor's share of the order moves to their `frozen` account (from escrow,
  or from their available balance once released) so no payout can take it;
- won: the frozen shares go back where they came from;
- lost: the sale is reversed like a refund (clearing, tax, commission and the frozen shares)
  and the buyer loses access; the order becomes `charged_back`.

Every step is a ledger transaction keyed by the dispute, applied under the order's row lock
by the payment pipeline, so duplicates change nothing. Events may come out of order: a
dispute first heard of as won changes nothing, one first heard of as lost is reversed from
wherever the shares sit, and an `opened` arriving after the outcome is ignored.
"""

import logging

from django.utils import timezone

from agora.commerce.models import (
    Dispute,
    DisputeStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    LedgerTransactionKind,
    Order,
    OrderStatus,
    PaymentEvent,
    PayoutAccount,
)
from agora.commerce.providers.base import EventType
from agora.commerce.services import ledger, refunds
from agora.commerce.services.ledger import Posting

logger = logging.getLogger(__name__)

EVENT_STATUSES: dict[str, DisputeStatus] = {
    EventType.DISPUTE_CREATED: DisputeStatus.OPEN,
    EventType.DISPUTE_WON: DisputeStatus.WON,
    EventType.DISPUTE_LOST: DisputeStatus.LOST,
}


def _freeze_key(dispute: Dispute) -> str:
    return f"dispute:{dispute.pk}:freeze"


def apply_dispute_event(*, order: Order, event: PaymentEvent) -> str:
    """Applies a dispute.created|won|lost event to its order. The caller holds the order's
    row lock. Returns what it did."""
    target = EVENT_STATUSES[event.type]
    dispute_id = event.dispute_id or f"dp_{event.payment_id}"
    dispute, created = Dispute.objects.get_or_create(
        provider=event.provider,
        provider_dispute_id=dispute_id,
        defaults={
            "order": order,
            "status": target,
            "amount": event.amount,
            "currency": event.currency,
        },
    )
    if dispute.order_id != order.pk:
        return f"ignored: dispute {dispute_id} belongs to another order"
    if not created and dispute.status != DisputeStatus.OPEN:
        return f"ignored: dispute already {dispute.status}"
    if target == DisputeStatus.OPEN:
        if not created:
            return "ignored: dispute already open"
        outcome = _freeze(order, dispute)
    elif target == DisputeStatus.WON:
        outcome = _unfreeze(order, dispute)
    else:
        outcome = _reverse(order, dispute)
    if target != DisputeStatus.OPEN:
        dispute.status = target
        dispute.closed_at = timezone.now()
    dispute.outcome = outcome[:500]
    dispute.save()
    logger.info("dispute %s on order %s: %s", dispute_id, order.pk, outcome)
    return outcome


def _lock_payout_accounts(instructor_ids: set[int]) -> None:
    """Waits for payout runs of these instructors to finish (always in id order, so two
    lockers never deadlock): a payout never reads a balance a freeze is changing."""
    list(
        PayoutAccount.objects.select_for_update()
        .filter(instructor_id__in=instructor_ids)
        .order_by("instructor_id")
    )


def _freeze(order: Order, dispute: Dispute) -> str:
    if order.status != OrderStatus.PAID:
        return f"dispute opened; nothing frozen: order is {order.status}"
    holder = refunds.freezing_dispute(order)
    if holder is not None:
        return f"dispute opened; shares already frozen by dispute {holder.provider_dispute_id}"
    source = refunds.share_account(order)
    shares = [
        entry
        for entry in refunds.sale_entries(order)
        if entry.account == LedgerAccount.INSTRUCTOR_PENDING
    ]
    if not shares:
        return "dispute opened; nothing to freeze (a free order)"
    _lock_payout_accounts({entry.instructor_id for entry in shares if entry.instructor_id})
    postings: list[Posting] = []
    for entry in shares:
        # entry.amount is the credit (negative) of the instructor's share.
        postings += [
            Posting(source, -entry.amount, entry.currency, entry.instructor_id),
            Posting(
                LedgerAccount.INSTRUCTOR_FROZEN, entry.amount, entry.currency, entry.instructor_id
            ),
        ]
    ledger.post(
        kind=LedgerTransactionKind.DISPUTE_OPENED,
        idempotency_key=_freeze_key(dispute),
        postings=postings,
        description=f"Dispute {dispute.provider_dispute_id} on order {order.number}: shares frozen",
    )
    return "dispute opened; instructor shares frozen"


def _unfreeze(order: Order, dispute: Dispute) -> str:
    freeze = LedgerTransaction.objects.filter(idempotency_key=_freeze_key(dispute)).first()
    if freeze is None:
        return "dispute won; nothing was frozen"
    if order.status != OrderStatus.PAID:
        # A refund while the dispute was open already took the frozen shares back.
        return f"dispute won; order is {order.status}, nothing to unfreeze"
    postings = [
        Posting(LedgerAccount(entry.account), -entry.amount, entry.currency, entry.instructor_id)
        for entry in LedgerEntry.objects.filter(transaction=freeze)
    ]
    ledger.post(
        kind=LedgerTransactionKind.DISPUTE_WON,
        idempotency_key=f"dispute:{dispute.pk}:unfreeze",
        postings=postings,
        description=f"Dispute {dispute.provider_dispute_id} on order {order.number} won",
    )
    return "dispute won; instructor shares unfrozen"


def _reverse(order: Order, dispute: Dispute) -> str:
    if order.status != OrderStatus.PAID:
        logger.warning(
            "dispute %s lost on order %s, which is %s", dispute.pk, order.pk, order.status
        )
        return f"dispute lost; order is {order.status}, nothing reversed (needs an admin)"
    # Computed while this dispute still counts as open: its freeze is where the shares are.
    postings = refunds.reversal_postings(order)
    order.status = OrderStatus.CHARGED_BACK
    order.save(update_fields=["status"])
    refunds.undo_sale(
        order,
        postings=postings,
        kind=LedgerTransactionKind.DISPUTE_LOST,
        idempotency_key=f"dispute:{dispute.pk}:lost",
        description=f"Dispute {dispute.provider_dispute_id} on order {order.number} lost",
    )
    return "dispute lost; sale reversed and access revoked"
