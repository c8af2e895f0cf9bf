"""The double-entry ledger: every money movement is a transaction whose entries sum to zero
per currency. Entries are never changed; balances are sums of entries.

Sign convention: positive amounts are debits, negative amounts credits. Money owed to an
instructor is a credit on their accounts, so their balance is the negated sum.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum

from agora.commerce.models import (
    INSTRUCTOR_ACCOUNTS,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    LedgerTransactionKind,
)


class UnbalancedTransaction(ValueError):
    pass


@dataclass(frozen=True)
class Posting:
    account: LedgerAccount
    amount: int
    currency: str
    instructor_id: int | None = None


def post(
    *,
    kind: LedgerTransactionKind,
    idempotency_key: str,
    postings: Sequence[Posting],
    description: str = "",
) -> LedgerTransaction:
    """Writes one balanced transaction, exactly once per idempotency key: a second call with
    the same key returns the first transaction and writes nothing."""
    postings = [p for p in postings if p.amount != 0]
    totals: dict[str, int] = defaultdict(int)
    for posting in postings:
        if not isinstance(posting.amount, int):
            raise TypeError("Ledger amounts are integers of minor units.")
        if (posting.account in INSTRUCTOR_ACCOUNTS) != (posting.instructor_id is not None):
            raise ValueError(f"{posting.account} postings name an instructor (and only they).")
        totals[posting.currency] += posting.amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise UnbalancedTransaction(
            f"entries of {idempotency_key} do not sum to zero: {unbalanced}"
        )
    existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            record = LedgerTransaction.objects.create(
                kind=kind, idempotency_key=idempotency_key, description=description[:500]
            )
            LedgerEntry.objects.bulk_create(
                LedgerEntry(
                    transaction=record,
                    account=p.account,
                    instructor_id=p.instructor_id,
                    amount=p.amount,
                    currency=p.currency,
                )
                for p in postings
            )
    except IntegrityError:
        # A concurrent writer posted the same key first; theirs is the one.
        return LedgerTransaction.objects.get(idempotency_key=idempotency_key)
    return record


def balance(*, account: LedgerAccount, currency: str, instructor_id: int | None = None) -> int:
    """The debit balance of an account (credit balances are negative)."""
    entries = LedgerEntry.objects.filter(account=account, currency=currency)
    if instructor_id is not None:
        entries = entries.filter(instructor_id=instructor_id)
    return int(entries.aggregate(total=Sum("amount"))["total"] or 0)


def instructor_balances(*, instructor_id: int) -> dict[str, dict[str, int]]:
    """What the platform owes the instructor, per currency and account (positive = owed)."""
    rows = (
        LedgerEntry.objects.filter(instructor_id=instructor_id)
        .values("currency", "account")
        .annotate(total=Sum("amount"))
    )
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        result[row["currency"]][row["account"]] = -int(row["total"])
    return dict(result)


def split(total: int, weights: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Splits `total` minor units by integer weights `(key, weight)`, so the parts add up to
    exactly `total`: each part is rounded down, then the units left over go one each to the
    largest remainders, ties to the smaller key. Deterministic for the same input."""
    items = sorted(weights)
    weight_sum = sum(weight for _, weight in items)
    if weight_sum <= 0:
        raise ValueError("weights must add up to more than zero")
    parts = {key: total * weight // weight_sum for key, weight in items}
    remainders = sorted(items, key=lambda item: (-(total * item[1] % weight_sum), item[0]))
    for key, _ in remainders[: total - sum(parts.values())]:
        parts[key] += 1
    return parts


def invariant_problems() -> list[str]:
    """Everything wrong with the ledger; empty when it is sound.

    - every transaction's entries sum to zero in each currency;
    - every transaction has entries;
    - the whole ledger sums to zero in each currency;
    - instructor accounts always name an instructor (also a database constraint);
    - every payout is in the ledger as recorded (and reversed only if it failed);
    - the frozen balances are exactly what open disputes froze;
    - what is owed back to buyers is exactly the total of the orders whose late payment is
      still to be refunded;
    - the subscription pool holds exactly the pool shares of the subscription payments no
      monthly run has split yet.
    """
    problems: list[str] = []
    per_transaction = (
        LedgerEntry.objects.values("transaction_id", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    for row in per_transaction:
        problems.append(
            f"transaction {row['transaction_id']} sums to {row['total']} {row['currency']}"
        )
    empty = LedgerTransaction.objects.filter(entries__isnull=True).values_list("pk", flat=True)
    problems += [f"transaction {pk} has no entries" for pk in empty]
    totals = LedgerEntry.objects.values("currency").annotate(total=Sum("amount"))
    for currency_total in totals:
        if currency_total["total"]:
            problems.append(
                f"the ledger sums to {currency_total['total']} {currency_total['currency']}"
            )
    orphans = LedgerEntry.objects.filter(
        account__in=[a.value for a in INSTRUCTOR_ACCOUNTS], instructor__isnull=True
    ).count()
    if orphans:
        problems.append(f"{orphans} instructor entries name no instructor")
    from agora.commerce.services.subscription_ledger import subscription_pool_problems

    return (
        problems
        + _payout_problems()
        + _frozen_problems()
        + _refunds_owed_problems()
        + subscription_pool_problems()
    )


def _payout_entries(kind: LedgerTransactionKind) -> dict[str, tuple[int, str]]:
    return {
        row["transaction__idempotency_key"]: (int(row["amount"]), row["currency"])
        for row in LedgerEntry.objects.filter(
            account=LedgerAccount.PAYOUTS, transaction__kind=kind
        ).values("transaction__idempotency_key", "amount", "currency")
    }


def _payout_problems() -> list[str]:
    """Every payout row is in the ledger once, with its amount; a failed one is reversed,
    and only a failed one; the ledger has no payout without its row."""
    from agora.commerce.models import Payout, PayoutStatus

    moved = _payout_entries(LedgerTransactionKind.PAYOUT)
    reversed_ = _payout_entries(LedgerTransactionKind.PAYOUT_REVERSAL)
    problems = []
    rows = Payout.objects.values_list("pk", "amount", "currency", "status")
    known = set()
    for pk, amount, currency, status in rows.iterator():
        key = f"payout:{pk}"
        known.add(key)
        if moved.get(key) != (-amount, currency):
            problems.append(f"payout {pk} of {amount} {currency} is {moved.get(key)} in the ledger")
        reversal = reversed_.get(f"{key}:reversal")
        if status == PayoutStatus.FAILED and reversal != (amount, currency):
            problems.append(f"failed payout {pk} is not reversed in the ledger")
        if status != PayoutStatus.FAILED and reversal is not None:
            problems.append(f"payout {pk} is {status} but reversed in the ledger")
    problems += [f"ledger {key} has no payout" for key in sorted(set(moved) - known)]
    return problems


def _frozen_problems() -> list[str]:
    """What the frozen accounts hold equals what the open disputes of paid orders froze."""
    from agora.commerce.models import Dispute, DisputeStatus, OrderStatus

    expected: dict[tuple[int, str], int] = defaultdict(int)
    open_keys = [
        f"dispute:{pk}:freeze"
        for pk in Dispute.objects.filter(
            status=DisputeStatus.OPEN, order__status=OrderStatus.PAID
        ).values_list("pk", flat=True)
    ]
    for row in LedgerEntry.objects.filter(
        account=LedgerAccount.INSTRUCTOR_FROZEN, transaction__idempotency_key__in=open_keys
    ).values("instructor_id", "currency", "amount"):
        expected[(row["instructor_id"], row["currency"])] += int(row["amount"])
    actual = {
        (row["instructor_id"], row["currency"]): int(row["total"])
        for row in LedgerEntry.objects.filter(account=LedgerAccount.INSTRUCTOR_FROZEN)
        .values("instructor_id", "currency")
        .annotate(total=Sum("amount"))
    }
    return [
        f"instructor {instructor_id} has {-actual.get((instructor_id, currency), 0)} "
        f"{currency} frozen; open disputes froze {-expected.get((instructor_id, currency), 0)}"
        for instructor_id, currency in sorted(set(expected) | set(actual))
        if expected.get((instructor_id, currency), 0) != actual.get((instructor_id, currency), 0)
    ]


def _refunds_owed_problems() -> list[str]:
    """The refunds-payable account holds, per currency, the totals of the `refund_pending`
    orders: each late payment is owed back once, and settled once it is returned."""
    from agora.commerce.models import Order, OrderStatus

    expected = {
        row["currency"]: int(row["total"])
        for row in Order.objects.filter(status=OrderStatus.REFUND_PENDING)
        .values("currency")
        .annotate(total=Sum("total"))
        .order_by()
    }
    actual = {
        row["currency"]: -int(row["total"])
        for row in LedgerEntry.objects.filter(account=LedgerAccount.REFUNDS_PAYABLE)
        .values("currency")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    return [
        f"{actual.get(currency, 0)} {currency} is owed back to buyers in the ledger; orders "
        f"awaiting their refund total {expected.get(currency, 0)}"
        for currency in sorted(set(expected) | set(actual))
        if expected.get(currency, 0) != actual.get(currency, 0)
    ]


def owed(*, instructor_id: int, account: LedgerAccount, currency: str) -> int:
    """What the platform owes the instructor on one of their accounts (negative when they
    owe it: a refund or a lost dispute after a payout)."""
    return -balance(account=account, currency=currency, instructor_id=instructor_id)


def paid_out(*, instructor_id: int) -> dict[str, int]:
    """What payouts have taken from the instructor's available balance, per currency (a
    failed payout's reversal gives its amount back)."""
    rows = (
        LedgerEntry.objects.filter(
            instructor_id=instructor_id,
            account=LedgerAccount.INSTRUCTOR_AVAILABLE,
            transaction__kind__in=[
                LedgerTransactionKind.PAYOUT,
                LedgerTransactionKind.PAYOUT_REVERSAL,
            ],
        )
        .values("currency")
        .annotate(total=Sum("amount"))
    )
    return {row["currency"]: int(row["total"]) for row in rows}
