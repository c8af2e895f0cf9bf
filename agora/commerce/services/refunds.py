"""Refunds and escrow: an instructor's share waits out the refund window before it can be
paid out; a refund reverses the sale in the ledger and ends access."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.audit.services import record
from agora.commerce import providers
from agora.commerce.errors import CommerceError
from agora.commerce.models import (
    Dispute,
    DisputeStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    LedgerTransactionKind,
    Order,
    OrderStatus,
)
from agora.commerce.services import gifts, ledger
from agora.commerce.services.ledger import Posting
from agora.core.errors import Conflict, PermissionDenied
from agora.learning import queries as learning_queries
from agora.learning.services import revoke_enrollment
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify

logger = logging.getLogger(__name__)


def refund_window() -> timedelta:
    return timedelta(days=settings.REFUND_WINDOW_DAYS)


def sale_entries(order: Order) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(transaction__idempotency_key=f"sale:order:{order.pk}"))


def _escrow_released(order: Order) -> bool:
    return LedgerTransaction.objects.filter(idempotency_key=f"escrow:order:{order.pk}").exists()


def freezing_dispute(order: Order) -> Dispute | None:
    """The open dispute whose freeze holds the order's instructor shares, if any."""
    for dispute in Dispute.objects.filter(order=order, status=DisputeStatus.OPEN):
        if LedgerTransaction.objects.filter(
            idempotency_key=f"dispute:{dispute.pk}:freeze"
        ).exists():
            return dispute
    return None


def share_account(order: Order) -> LedgerAccount:
    """Where the instructors' shares of a paid order sit now: frozen by an open dispute, in
    escrow, or available once the escrow was released."""
    if freezing_dispute(order) is not None:
        return LedgerAccount.INSTRUCTOR_FROZEN
    if _escrow_released(order):
        return LedgerAccount.INSTRUCTOR_AVAILABLE
    return LedgerAccount.INSTRUCTOR_PENDING


def reversal_postings(order: Order) -> list[Posting]:
    """The sale's entries negated (commission, tax, clearing), the instructors' shares taken
    from wherever they sit now (their available balance may go negative)."""
    source = share_account(order)
    postings = []
    for entry in sale_entries(order):
        account = LedgerAccount(entry.account)
        if account == LedgerAccount.INSTRUCTOR_PENDING:
            account = source
        postings.append(Posting(account, -entry.amount, entry.currency, entry.instructor_id))
    return postings


def _refuse_mostly_completed(order: Order) -> None:
    limit = settings.REFUND_MAX_PROGRESS_PERCENT
    for item in order.items.select_related("course"):
        progress = learning_queries.progress_percent(order.buyer, item.course)
        if progress >= limit:
            raise Conflict(
                f"You have completed {progress}% of “{item.title}”; refunds are possible "
                f"until {limit}% of a course.",
                code=CommerceError.COURSE_MOSTLY_COMPLETED,
            )


def request_refund(*, actor: User, order: Order, reason: str) -> Order:
    """A buyer may refund their own order within the refund window; an admin any order at
    any time. Full refunds only."""
    if not actor.is_staff:
        if order.buyer_id != actor.pk:
            raise PermissionDenied("This is not your order.")
        if order.paid_at is None or timezone.now() - order.paid_at > refund_window():
            raise Conflict(
                f"Refunds are possible for {settings.REFUND_WINDOW_DAYS} days after purchase.",
                code=CommerceError.REFUND_WINDOW_CLOSED,
            )
    if order.status != OrderStatus.PAID:
        raise Conflict(
            f"Only a paid order can be refunded; this one is {order.status}.",
            code=CommerceError.NOT_REFUNDABLE,
        )
    if not actor.is_staff:
        if gifts.is_gift(order):
            gifts.refuse_refund_if_redeemed(order)
        else:
            _refuse_mostly_completed(order)
    if Dispute.objects.filter(order=order, status=DisputeStatus.OPEN).exists():
        raise Conflict(
            "This payment is disputed at the bank; it cannot be refunded until the dispute closes.",
            code=CommerceError.ORDER_DISPUTED,
        )
    if order.total:
        providers.get(order.provider).refund(order=order, idempotency_key=f"refund-{order.pk}")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        outcome = apply_refund(order=locked, reason=reason)
        if outcome == "refunded" and actor.is_staff and order.buyer_id != actor.pk:
            record(
                actor=actor,
                action="order.refund",
                target=locked,
                data={
                    "number": locked.number,
                    "amount": locked.total,
                    "currency": locked.currency,
                    "reason": reason[:1000],
                },
            )
    return locked


def apply_refund(*, order: Order, reason: str) -> str:
    """Reverses the sale: commission, tax and each instructor's share (from escrow, from
    their available balance once released, which may go negative, or from the frozen account
    while a dispute holds it), revokes access. The
    caller holds the order's row lock. Idempotent: a provider's later refund webhook for the
    same order changes nothing."""
    if order.status == OrderStatus.REFUNDED:
        return "ignored: already refunded"
    if order.status != OrderStatus.PAID:
        return f"ignored: order is {order.status}"
    postings = reversal_postings(order)
    was_gift = gifts.is_gift(order)
    order.status = OrderStatus.REFUNDED
    order.refunded_at = timezone.now()
    order.refund_reason = reason[:1000]
    order.save(update_fields=["status", "refunded_at", "refund_reason"])
    undo_sale(
        order,
        postings=postings,
        kind=LedgerTransactionKind.REFUND,
        idempotency_key=f"refund:order:{order.pk}",
        description=f"Refund of order {order.number}",
    )
    notify(
        order.buyer,
        NotificationKind.REFUND,
        title=f"Order {order.number} is refunded",
        body="The money goes back to how you paid; "
        + ("the gift no longer works." if was_gift else "your access to its courses has ended."),
        url=reverse("order_detail", kwargs={"order_id": order.pk}),
    )
    logger.info("order %s refunded", order.pk)
    return "refunded"


def undo_sale(
    order: Order,
    *,
    postings: list[Posting],
    kind: LedgerTransactionKind,
    idempotency_key: str,
    description: str,
) -> None:
    """Posts the sale's reversal (a refund, a lost dispute) and ends the access the order
    gave to every course of it: the buyer's, or for a gift its recipient's once redeemed.
    The caller holds the order's row lock."""
    if postings:
        ledger.post(
            kind=kind, idempotency_key=idempotency_key, postings=postings, description=description
        )
    for learner in gifts.order_reversed(order):
        for item in order.items.select_related("course"):
            revoke_enrollment(learner=learner, course=item.course)


def release_escrow(*, now: datetime | None = None) -> int:
    """Moves instructor shares of orders paid before the refund window from escrow to
    available. Each order once (the ledger key); returns how many were released."""
    cutoff = (now or timezone.now()) - refund_window()
    candidates = Order.objects.filter(status=OrderStatus.PAID, paid_at__lte=cutoff, total__gt=0)
    released = 0
    for order_id in candidates.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.status != OrderStatus.PAID or _escrow_released(order):
                continue
            if Dispute.objects.filter(order=order, status=DisputeStatus.OPEN).exists():
                continue  # released once the dispute is won
            postings: list[Posting] = []
            for entry in sale_entries(order):
                if entry.account == LedgerAccount.INSTRUCTOR_PENDING:
                    postings += [
                        Posting(
                            LedgerAccount.INSTRUCTOR_PENDING,
                            -entry.amount,
                            entry.currency,
                            entry.instructor_id,
                        ),
                        Posting(
                            LedgerAccount.INSTRUCTOR_AVAILABLE,
                            entry.amount,
                            entry.currency,
                            entry.instructor_id,
                        ),
                    ]
            if postings:
                ledger.post(
                    kind=LedgerTransactionKind.ESCROW_RELEASE,
                    idempotency_key=f"escrow:order:{order.pk}",
                    postings=postings,
                    description=f"Escrow of order {order.number} released",
                )
                released += 1
    return released


def earnings(*, instructor: User) -> dict[str, object]:
    """Pending (in escrow), available, paid out and lifetime earnings per currency; the
    main currency (largest lifetime) first."""
    balances = ledger.instructor_balances(instructor_id=instructor.pk)
    paid_out = ledger.paid_out(instructor_id=instructor.pk)
    rows = []
    for currency in sorted(set(balances) | set(paid_out)):
        accounts = balances.get(currency, {})
        pending = accounts.get(LedgerAccount.INSTRUCTOR_PENDING, 0)
        available = accounts.get(LedgerAccount.INSTRUCTOR_AVAILABLE, 0)
        frozen = accounts.get(LedgerAccount.INSTRUCTOR_FROZEN, 0)
        out = paid_out.get(currency, 0)
        rows.append(
            {
                "currency": currency,
                "pending": pending,
                "available": available,
                "frozen": frozen,
                "paid_out": out,
                "lifetime": pending + available + frozen + out,
            }
        )
    rows.sort(key=lambda row: -int(row["lifetime"]))  # type: ignore[call-overload]
    main = (
        rows[0]
        if rows
        else {
            "currency": settings.DEFAULT_CURRENCY,
            "pending": 0,
            "available": 0,
            "frozen": 0,
            "paid_out": 0,
            "lifetime": 0,
        }
    )
    return {**main, "by_currency": rows}
