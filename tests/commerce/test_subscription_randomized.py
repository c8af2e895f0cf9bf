"""Random subscription months (renewals, duplicates, out-of-order delivery, failures,
cancels, purchases alongside) end with a sound ledger and instructor balances equal to a
recount from the raw records."""

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.db.models import F, Sum

from agora.commerce.models import (
    LedgerEntry,
    OrderItem,
    OrderStatus,
    SubscriptionPayment,
    SubscriptionPayoutRun,
)
from agora.commerce.services import (
    ledger,
    payments,
    subscription_events,
    subscription_payouts,
    subscriptions,
)
from agora.learning.models import CourseLearningTime, Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import paid_order, published_course
from tests.commerce.subscription_helpers import make_plan, receive, start

MONTHS = [date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]


def recount(courses) -> dict[int, int]:
    """What each instructor should have, from orders, payments and learning rows alone."""
    expected: dict[int, int] = defaultdict(int)
    for item in OrderItem.objects.filter(order__status=OrderStatus.PAID).select_related("order"):
        net = item.price - item.discount
        rest = net - net * item.commission_basis_points // 10_000
        for user_id, amount in ledger.split(
            rest, [(s["user_id"], s["percent"]) for s in item.instructor_shares]
        ).items():
            expected[user_id] += amount
    owner_of = {course.pk: course.owner_id for course in courses}
    carried = 0
    for month in MONTHS:
        start_at, end_at = subscription_payouts.month_bounds(month)
        pool = carried + sum(
            p.pool_amount
            for p in SubscriptionPayment.objects.filter(paid_at__gte=start_at, paid_at__lt=end_at)
        )
        if month == MONTHS[0]:
            pool += sum(
                p.pool_amount for p in SubscriptionPayment.objects.filter(paid_at__lt=start_at)
            )
        weights: dict[int, int] = defaultdict(int)
        for row in CourseLearningTime.objects.filter(
            day__gte=start_at.date(), day__lt=end_at.date()
        ):
            through = Enrollment.objects.filter(
                learner=row.user_id, course=row.course_id, source="subscription"
            ).exists()
            if through:
                weights[owner_of[row.course_id]] += row.seconds * 100
        if pool and weights:
            for instructor, amount in ledger.split(pool, weights.items()).items():
                expected[instructor] += amount
            carried = 0
        else:
            carried = pool
    return dict(expected)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [3, 17, 2026])
def test_random_subscription_months_balance(seed):
    rng = random.Random(seed)
    plan = make_plan(prices={"USD": 1500})
    courses = [
        published_course(price=rng.choice([1000, 2500]), in_subscription=True) for _ in range(3)
    ]
    learners = [UserFactory() for _ in range(4)]
    subs = {}
    for learner in learners:
        subscription = start(learner, plan)
        subs[learner.pk] = subscription
        for course in courses:
            Enrollment.objects.create(learner=learner, course=course, source="subscription")
    buyer = UserFactory()
    for course in rng.sample(courses, 2):
        paid_order(buyer=buyer, course=course)

    for month in MONTHS:
        start_at, _ = subscription_payouts.month_bounds(month)
        pending = []
        for learner in learners:
            subscription = subs[learner.pk]
            when = start_at + timedelta(days=rng.randint(0, 27), hours=rng.randint(0, 23))
            roll = rng.random()
            if roll < 0.6:
                event = receive(subscription, "subscription.renewed", created=when)
                pending.append(event)
                if rng.random() < 0.3:  # delivered twice
                    pending.append(event)
                if rng.random() < 0.2:  # the same invoice reported in a second event
                    invoice = f"in_{learner.pk}_{month:%m}"
                    pending.pop()
                    pending += [
                        receive(
                            subscription, "subscription.renewed", created=when, invoice_id=invoice
                        )
                        for _ in range(2)
                    ]
            elif roll < 0.8:
                pending.append(receive(subscription, "subscription.payment_failed", created=when))
            elif roll < 0.9:
                pending.append(receive(subscription, "subscription.canceled", created=when))
        rng.shuffle(pending)  # any order of arrival
        for event in pending:
            payments.process_event(event_id=event.pk)
        # Learning is recorded only while the subscription gives access (as the player
        # does: progress needs access).
        for learner in learners:
            subscription = subs[learner.pk]
            subscription.refresh_from_db()
            for _ in range(rng.randint(0, 3)):
                moment = start_at + timedelta(days=rng.randint(0, 27), hours=rng.randint(0, 23))
                if subscriptions.has_access(subscription, moment):
                    row, _ = CourseLearningTime.objects.get_or_create(
                        user=learner, course=rng.choice(courses), day=moment.date()
                    )
                    CourseLearningTime.objects.filter(pk=row.pk).update(
                        seconds=F("seconds") + rng.randint(1, 5000)
                    )
        subscription_events.settle_subscriptions(now=start_at + timedelta(days=28))
        _, end_at = subscription_payouts.month_bounds(month)
        subscription_payouts.split_month(month=month, now=end_at)
        subscription_payouts.split_month(month=month, now=end_at)  # a rerun pays nothing

    assert ledger.invariant_problems() == []
    assert SubscriptionPayoutRun.objects.exists()
    expected = recount(courses)
    actual = {
        row["instructor_id"]: -row["total"]
        for row in LedgerEntry.objects.filter(instructor__isnull=False)
        .values("instructor_id")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    assert actual == {k: v for k, v in expected.items() if v}
    assert sum(
        p.pool_amount for p in SubscriptionPayment.objects.filter(payout_run__isnull=False)
    ) == sum(
        -e.amount
        for e in LedgerEntry.objects.filter(
            account="instructor_available", transaction__kind="subscription_payout"
        )
    )
