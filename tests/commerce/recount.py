"""What the randomized ledger tests share: paying a demo order through the real pipeline,
and recounting every instructor's due from the raw records (order items, subscription
payments, learning time) to compare with the ledger."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import F, Sum

from agora.commerce.models import (
    LedgerEntry,
    Order,
    OrderItem,
    OrderStatus,
    SubscriptionPayment,
)
from agora.commerce.services import ledger, payments, subscription_payouts, subscriptions
from agora.learning.models import CourseLearningTime, Enrollment


def pay(order: Order) -> Order:
    """Pays a pending demo order (signed webhook, processed)."""
    if order.status == OrderStatus.PENDING:
        event = payments.demo_outcome(payment_id=order.provider_payment_id, succeed=True)
        payments.process_event(event_id=event.pk)
        order.refresh_from_db()
    return order


def order_shares() -> dict[int, int]:
    """Each instructor's share of every order still paid, from the order items alone."""
    expected: dict[int, int] = defaultdict(int)
    for item in OrderItem.objects.filter(order__status=OrderStatus.PAID):
        net = item.price - item.discount
        rest = net - net * item.commission_basis_points // 10_000
        for user_id, amount in ledger.split(
            rest, [(s["user_id"], s["percent"]) for s in item.instructor_shares]
        ).items():
            expected[user_id] += amount
    return dict(expected)


def pool_shares(months: list[date], shares_of: dict[int, dict[int, int]]) -> dict[int, int]:
    """Each instructor's share of the subscription pools of `months` (split in that order):
    the month's payments (and, for the first month, any earlier) plus what an earlier month
    carried over, split by the learning time of subscription enrollments, a course's seconds
    going to its instructors by their percentages (`shares_of`: course id -> {instructor
    id: percent})."""
    expected: dict[int, int] = defaultdict(int)
    carried = 0
    for month in months:
        start_at, end_at = subscription_payouts.month_bounds(month)
        paid = SubscriptionPayment.objects.filter(paid_at__lt=end_at)
        if month != months[0]:
            paid = paid.filter(paid_at__gte=start_at)
        pool = carried + sum(payment.pool_amount for payment in paid)
        weights: dict[int, int] = defaultdict(int)
        for row in CourseLearningTime.objects.filter(
            day__gte=start_at.date(), day__lt=end_at.date()
        ):
            through = Enrollment.objects.filter(
                learner=row.user_id, course=row.course_id, source="subscription"
            ).exists()
            if through:
                for instructor, percent in shares_of[row.course_id].items():
                    weights[instructor] += row.seconds * percent
        if pool and weights:
            for instructor, amount in ledger.split(pool, weights.items()).items():
                expected[instructor] += amount
            carried = 0
        else:
            carried = pool
    return dict(expected)


def combined(*parts: dict[int, int]) -> dict[int, int]:
    """The recounts added up, without zero entries."""
    total: dict[int, int] = defaultdict(int)
    for part in parts:
        for instructor, amount in part.items():
            total[instructor] += amount
    return {instructor: amount for instructor, amount in total.items() if amount}


def ledger_dues(instructor_ids: Iterable[int] | None = None) -> dict[int, int]:
    """What the ledger holds for each instructor (all their accounts, every currency)."""
    entries = LedgerEntry.objects.filter(instructor__isnull=False)
    if instructor_ids is not None:
        entries = entries.filter(instructor_id__in=list(instructor_ids))
    return {
        row["instructor_id"]: -row["total"]
        for row in entries.values("instructor_id").annotate(total=Sum("amount")).order_by()
        if row["total"]
    }


def record_learning(rng, *, learner, subscription, courses, month_start, sessions: int) -> None:
    """Up to `sessions` random bits of learning in the month's first 28 days, recorded only
    while the subscription gives access (as the player does: progress needs access)."""
    subscription.refresh_from_db()
    for _ in range(sessions):
        moment = month_start + timedelta(days=rng.randint(0, 27), hours=rng.randint(0, 23))
        if subscriptions.has_access(subscription, moment):
            row, _ = CourseLearningTime.objects.get_or_create(
                user=learner, course=rng.choice(courses), day=moment.date()
            )
            CourseLearningTime.objects.filter(pk=row.pk).update(
                seconds=F("seconds") + rng.randint(1, 5000)
            )
