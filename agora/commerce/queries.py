from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Min, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from agora.accounts.models import User
from agora.commerce import permissions
from agora.commerce.errors import CommerceError
from agora.commerce.models import (
    Dispute,
    DisputeStatus,
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
    return (
        Order.objects.filter(buyer=user).select_related("coupon", "gift").prefetch_related("items")
    )


def get_order_for_viewer(*, user: User, order_id: int) -> Order:
    """The buyer's own order, or any order for an admin; everyone else gets 404."""
    orders = Order.objects.select_related("coupon", "buyer", "gift").prefetch_related("items")
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


# --- daily figures (analytics rollups) --------------------------------------------------------
# Analytics keeps daily rollups of these; each function reads the raw rows of one window of
# instants [start, end) and buckets them by calendar day in `zone`.
SOLD_STATUSES = [OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.CHARGED_BACK]


@dataclass
class CourseSalesDay:
    """One course's sales, refunds and chargebacks of one day in one currency. Amounts are
    the items' prices after discounts (tax excluded); `platform` is the commission kept."""

    course_id: int
    day: date
    currency: str
    sales: int = 0
    coupon_sales: int = 0
    gross: int = 0
    platform: int = 0
    refunds: int = 0
    refunded: int = 0
    refunded_platform: int = 0
    chargebacks: int = 0
    charged_back: int = 0
    charged_back_platform: int = 0


@dataclass
class InstructorShareDay:
    """One instructor's share of one course's sales of one day, and what refunds and
    chargebacks took back from it (the same split as the ledger's sale postings)."""

    instructor_id: int
    course_id: int
    day: date
    currency: str
    share: int = 0
    reversed: int = 0


def _item_shares(net: int, commission_basis_points: int, shares: Any) -> tuple[int, dict[int, int]]:
    from agora.commerce.services.ledger import split

    platform = net * commission_basis_points // 10_000
    weights = [(int(s["user_id"]), int(s["percent"])) for s in shares or []]
    parts = split(net - platform, weights) if weights and net - platform else {}
    return platform, parts


def daily_course_sales(
    *, start: datetime, end: datetime, zone: Any
) -> tuple[list[CourseSalesDay], list[InstructorShareDay]]:
    """Per course, day and currency: items sold (by the day paid), refunded (by the day
    refunded) and charged back (by the day the dispute was lost), with each instructor's share.
    Streams the items of the window (a rebuild reads every order once)."""
    courses: dict[tuple[int, date, str], CourseSalesDay] = {}
    instructors: dict[tuple[int, int, date, str], InstructorShareDay] = {}

    def course_row(course_id: int, day: date, currency: str) -> CourseSalesDay:
        key = (course_id, day, currency)
        if key not in courses:
            courses[key] = CourseSalesDay(course_id, day, currency)
        return courses[key]

    def add_shares(
        course_id: int, day: date, currency: str, parts: dict[int, int], sign: int
    ) -> None:
        for instructor_id, amount in parts.items():
            key = (instructor_id, course_id, day, currency)
            if key not in instructors:
                instructors[key] = InstructorShareDay(instructor_id, course_id, day, currency)
            if sign > 0:
                instructors[key].share += amount
            else:
                instructors[key].reversed += amount

    columns = (
        "course_id",
        "order__currency",
        "price",
        "discount",
        "commission_basis_points",
        "instructor_shares",
    )
    sold = OrderItem.objects.filter(
        order__status__in=SOLD_STATUSES, order__paid_at__gte=start, order__paid_at__lt=end
    ).values_list(*columns, "order__paid_at", "order__coupon_id")
    for (
        course_id,
        currency,
        price,
        discount,
        basis_points,
        shares,
        paid_at,
        coupon,
    ) in sold.iterator(chunk_size=5000):
        day = paid_at.astimezone(zone).date()
        net = price - discount
        platform, parts = _item_shares(net, basis_points, shares)
        row = course_row(course_id, day, currency)
        row.sales += 1
        row.coupon_sales += coupon is not None
        row.gross += net
        row.platform += platform
        add_shares(course_id, day, currency, parts, +1)
    refunded = OrderItem.objects.filter(
        order__status=OrderStatus.REFUNDED,
        order__refunded_at__gte=start,
        order__refunded_at__lt=end,
    ).values_list(*columns, "order__refunded_at")
    for (
        course_id,
        currency,
        price,
        discount,
        basis_points,
        shares,
        refunded_at,
    ) in refunded.iterator(chunk_size=5000):
        day = refunded_at.astimezone(zone).date()
        net = price - discount
        platform, parts = _item_shares(net, basis_points, shares)
        row = course_row(course_id, day, currency)
        row.refunds += 1
        row.refunded += net
        row.refunded_platform += platform
        add_shares(course_id, day, currency, parts, -1)
    lost = OrderItem.objects.filter(
        order__status=OrderStatus.CHARGED_BACK,
        order__disputes__status=DisputeStatus.LOST,
        order__disputes__closed_at__gte=start,
        order__disputes__closed_at__lt=end,
    ).values_list(*columns, "order__disputes__closed_at")
    for course_id, currency, price, discount, basis_points, shares, closed_at in lost.iterator(
        chunk_size=5000
    ):
        day = closed_at.astimezone(zone).date()
        net = price - discount
        platform, parts = _item_shares(net, basis_points, shares)
        row = course_row(course_id, day, currency)
        row.chargebacks += 1
        row.charged_back += net
        row.charged_back_platform += platform
        add_shares(course_id, day, currency, parts, -1)
    return list(courses.values()), list(instructors.values())


@dataclass
class MoneyDay:
    """The platform's money of one day in one currency, from the ledger. `gross` is what
    buyers paid (tax included); refunds and chargebacks what went back to them; `tax` and
    `platform` (commission) are net of what refunds and chargebacks reversed."""

    day: date
    currency: str
    gross: int = 0
    refunds: int = 0
    chargebacks: int = 0
    tax: int = 0
    platform: int = 0


_MONEY_KINDS: dict[str, str] = {
    LedgerTransactionKind.SALE: "gross",
    LedgerTransactionKind.REFUND: "refunds",
    LedgerTransactionKind.DISPUTE_LOST: "chargebacks",
}


def daily_money(*, start: datetime, end: datetime, zone: Any) -> list[MoneyDay]:
    """Sums the ledger's sale, refund and lost-dispute entries per day (in `zone`), currency,
    kind and account: one grouped query."""
    rows = (
        LedgerEntry.objects.filter(
            transaction__kind__in=list(_MONEY_KINDS),
            transaction__created_at__gte=start,
            transaction__created_at__lt=end,
            account__in=[
                LedgerAccount.PROVIDER_CLEARING,
                LedgerAccount.TAX_PAYABLE,
                LedgerAccount.PLATFORM_REVENUE,
            ],
        )
        .annotate(day=TruncDate("transaction__created_at", tzinfo=zone))
        .values("day", "currency", "transaction__kind", "account")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    days: dict[tuple[date, str], MoneyDay] = {}
    for row in rows:
        key = (row["day"], row["currency"])
        money = days.setdefault(key, MoneyDay(row["day"], row["currency"]))
        total = int(row["total"])
        if row["account"] == LedgerAccount.PROVIDER_CLEARING:
            # Debited by a sale, credited back by a refund or a lost dispute.
            field = _MONEY_KINDS[row["transaction__kind"]]
            setattr(money, field, getattr(money, field) + abs(total))
        elif row["account"] == LedgerAccount.TAX_PAYABLE:
            money.tax -= total
        else:
            money.platform -= total
    return list(days.values())


def first_money_moment() -> datetime | None:
    """When the oldest order was placed or ledger transaction written (analytics rebuilds
    from then)."""
    moments = [
        Order.objects.aggregate(first=Min("created_at"))["first"],
        Order.objects.aggregate(first=Min("paid_at"))["first"],
        LedgerTransaction.objects.aggregate(first=Min("created_at"))["first"],
    ]
    return min((m for m in moments if m is not None), default=None)


@dataclass
class SubscriptionShareDay:
    """What one instructor was credited on one day from the subscription pool of `month`."""

    instructor_id: int
    day: date
    month: date
    currency: str
    amount: int = 0


def daily_subscription_shares(
    *, start: datetime, end: datetime, zone: Any
) -> list[SubscriptionShareDay]:
    """The instructors' parts of the monthly subscription pool splits posted in [start, end),
    by the day (in `zone`) of the split's ledger transaction: one grouped query."""
    rows = (
        LedgerEntry.objects.filter(
            transaction__kind=LedgerTransactionKind.SUBSCRIPTION_PAYOUT,
            transaction__created_at__gte=start,
            transaction__created_at__lt=end,
            account=LedgerAccount.INSTRUCTOR_AVAILABLE,
            instructor__isnull=False,
        )
        .annotate(day=TruncDate("transaction__created_at", tzinfo=zone))
        .values("instructor_id", "day", "currency", "transaction__idempotency_key")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    # The split's key is "subscription_pool:<YYYY-MM>:<currency>" (subscription_payouts).
    return [
        SubscriptionShareDay(
            row["instructor_id"],
            row["day"],
            date.fromisoformat(row["transaction__idempotency_key"].split(":")[1] + "-01"),
            row["currency"],
            -int(row["total"]),  # credited to the instructor: negative in the ledger
        )
        for row in rows
    ]
