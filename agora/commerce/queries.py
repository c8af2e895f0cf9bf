from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from agora.accounts.models import User
from agora.commerce import permissions
from agora.commerce.errors import CommerceError
from agora.commerce.models import (
    Dispute,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    LedgerTransactionKind,
    Order,
    OrderItem,
    OrderStatus,
    Payout,
    PayoutAccount,
)
from agora.core.errors import NotFound


def orders_of(*, user: User) -> QuerySet[Order]:
    return Order.objects.filter(buyer=user).select_related("coupon").prefetch_related("items")


def get_order_for_viewer(*, user: User, order_id: int) -> Order:
    """The buyer's own order, or any order for an admin; everyone else gets 404."""
    orders = Order.objects.select_related("coupon", "buyer").prefetch_related("items")
    order = orders.filter(pk=order_id).first()
    if order is None or not permissions.can_see_order(user, order):
        raise NotFound("There is no such order.", code=CommerceError.ORDER_NOT_FOUND)
    return order


CHART_PERIODS = {
    "day": ("Daily, last 30 days", TruncDay, timedelta(days=30)),
    "week": ("Weekly, last 12 weeks", TruncWeek, timedelta(weeks=12)),
    "month": ("Monthly, last 12 months", TruncMonth, timedelta(days=366)),
}


def sales_chart(*, instructor: Any, currency: str, period: str) -> list[dict[str, Any]]:
    """The instructor's share of their sales per day, week or month, read from the ledger
    (each sale's escrow entry for them), with a bar width in steps of 5%."""
    _, trunc, span = CHART_PERIODS[period]
    rows = list(
        LedgerEntry.objects.filter(
            instructor=instructor,
            currency=currency,
            account=LedgerAccount.INSTRUCTOR_PENDING,
            transaction__kind=LedgerTransactionKind.SALE,
            transaction__created_at__gte=timezone.now() - span,
        )
        .annotate(bucket=trunc("transaction__created_at"))
        .values("bucket")
        .annotate(credited=Sum("amount"), sales=Count("id"))
        .order_by("bucket")
    )
    largest = max((-row["credited"] for row in rows), default=0)
    return [
        {
            "bucket": row["bucket"],
            "earned": -row["credited"],
            "sales": row["sales"],
            "width": round(-row["credited"] * 20 / largest) * 5 if largest else 0,
        }
        for row in rows
    ]


# --- payouts ---------------------------------------------------------------------------------
def payouts_of(*, instructor: User) -> QuerySet[Payout]:
    return Payout.objects.filter(instructor=instructor).order_by("-created_at", "-id")


def payouts_for_admin(
    *, status: str | None = None, instructor_id: int | None = None
) -> QuerySet[Payout]:
    payouts = Payout.objects.select_related("instructor", "recorded_by").order_by(
        "-created_at", "-id"
    )
    if status:
        payouts = payouts.filter(status=status)
    if instructor_id:
        payouts = payouts.filter(instructor_id=instructor_id)
    return payouts


def get_instructor(*, instructor_id: int) -> User:
    """Anyone an admin may pay: an instructor, or anyone the ledger owes money."""
    instructor = User.objects.filter(pk=instructor_id).first()
    if instructor is None or not (
        instructor.is_instructor or LedgerEntry.objects.filter(instructor=instructor).exists()
    ):
        raise NotFound("There is no such instructor.", code=CommerceError.INSTRUCTOR_NOT_FOUND)
    return instructor


def find_user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def manual_payouts_due(*, minimum: int) -> list[dict[str, Any]]:
    """Instructors owed at least `minimum` who are not paid through a ready Stripe account:
    an admin pays them and records it."""
    rows = list(
        LedgerEntry.objects.filter(account=LedgerAccount.INSTRUCTOR_AVAILABLE)
        .values("instructor_id", "currency")
        .annotate(total=Sum("amount"))
        .filter(total__lte=-max(minimum, 1))
        .order_by("total")
    )
    users = User.objects.in_bulk([row["instructor_id"] for row in rows])
    accounts = {
        account.instructor_id: account
        for account in PayoutAccount.objects.filter(
            instructor_id__in=[row["instructor_id"] for row in rows]
        )
    }
    due = []
    for row in rows:
        account = accounts.get(row["instructor_id"])
        if account is not None and account.is_stripe_ready:
            continue
        due.append(
            {
                "instructor": users[row["instructor_id"]],
                "currency": row["currency"],
                "available": -int(row["total"]),
                "account": account,
            }
        )
    return due


def disputes_of_order(*, order: Order) -> QuerySet[Dispute]:
    return Dispute.objects.filter(order=order)


# --- the admin's ledger view ----------------------------------------------------------------
def payments_owed_back(*, limit: int = 50) -> list[Order]:
    """Payments that arrived for orders that could not honour them and are not yet back with
    the buyer (their refund is retried by reconciliation), oldest first."""
    return list(
        Order.objects.filter(status=OrderStatus.REFUND_PENDING)
        .select_related("buyer")
        .order_by("created_at", "id")[:limit]
    )


def ledger_transactions(
    *,
    kind: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[LedgerTransaction]:
    """Newest first, each with its entries (and their instructors); the dates are whole days
    in the site's time zone, both included."""
    transactions = LedgerTransaction.objects.order_by("-created_at", "-id").prefetch_related(
        Prefetch(
            "entries",
            queryset=LedgerEntry.objects.select_related("instructor").order_by("id"),
        )
    )
    if kind:
        transactions = transactions.filter(kind=kind)
    zone = timezone.get_current_timezone()
    if date_from:
        transactions = transactions.filter(
            created_at__gte=datetime.combine(date_from, time.min, tzinfo=zone)
        )
    if date_to:
        transactions = transactions.filter(
            created_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
        )
    return transactions


def ledger_entries_of(transactions: QuerySet[LedgerTransaction]) -> QuerySet[LedgerEntry]:
    """The entries of these transactions with their transaction, in ledger order (CSV)."""
    return (
        LedgerEntry.objects.filter(transaction__in=transactions.values("pk"))
        .select_related("transaction")
        .order_by("transaction_id", "id")
    )


# --- platform revenue (the admin dashboard) ---------------------------------------------------
# Revenue counts the ledger's sale and refund transactions:
# - gross: what buyers paid (the provider-clearing side of each sale, tax included) minus what
#   was refunded to them;
# - platform: the platform's commission (platform-revenue account), net of refunds.
# A refund lands in the month it was made, so a month can be negative.
_REVENUE_KINDS = [LedgerTransactionKind.SALE, LedgerTransactionKind.REFUND]
_REVENUE_ACCOUNTS = [LedgerAccount.PROVIDER_CLEARING, LedgerAccount.PLATFORM_REVENUE]


@dataclass
class Revenue:
    currency: str
    gross: int = 0
    platform: int = 0

    def add(self, account: str, total: int) -> None:
        # Sign convention of the ledger: clearing is debited (+) by what buyers pay, platform
        # revenue credited (-) with the commission; refunds post the opposite signs.
        if account == LedgerAccount.PROVIDER_CLEARING:
            self.gross += total
        else:
            self.platform -= total


def _revenue_entries() -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(
        transaction__kind__in=_REVENUE_KINDS, account__in=_REVENUE_ACCOUNTS
    )


def revenue_by_currency() -> dict[str, Revenue]:
    """All-time gross and platform revenue per currency (one query)."""
    totals: dict[str, Revenue] = {}
    rows = _revenue_entries().values("currency", "account").annotate(total=Sum("amount")).order_by()
    for row in rows:
        currency = row["currency"]
        totals.setdefault(currency, Revenue(currency)).add(row["account"], int(row["total"]))
    return totals


def revenue_by_month(*, currency: str, since: datetime) -> dict[datetime, Revenue]:
    """Gross and platform revenue in `currency` per calendar month (UTC) from `since`, keyed
    by the month's first instant; months without sales or refunds are absent (one query)."""
    months: dict[datetime, Revenue] = {}
    rows = (
        _revenue_entries()
        .filter(currency=currency, transaction__created_at__gte=since)
        .annotate(month=TruncMonth("transaction__created_at", tzinfo=UTC))
        .values("month", "account")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        months.setdefault(row["month"], Revenue(currency)).add(row["account"], int(row["total"]))
    return months


def course_sales(course_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For the studio's course list: how many times each course sold (paid orders: refunded
    ones no longer count) and the amount sold per currency, after discounts. One query."""
    rows = (
        OrderItem.objects.filter(course_id__in=course_ids, order__status=OrderStatus.PAID)
        .values("course_id", "order__currency")
        .annotate(sales=Count("id"), amount=Sum(F("price") - F("discount")))
        .order_by("course_id", "-amount")
    )
    result: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = result.setdefault(row["course_id"], {"sales": 0, "amounts": []})
        entry["sales"] += row["sales"]
        entry["amounts"].append((row["amount"], row["order__currency"]))
    return result
