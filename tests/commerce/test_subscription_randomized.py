"""Random subscription months (renewals, duplicates, out-of-order delivery, failures,
cancels, purchases alongside) end with a sound ledger and instructor balances equal to a
recount from the raw records."""

import random
from datetime import date, timedelta

import pytest

from agora.commerce.models import (
    LedgerEntry,
    SubscriptionPayment,
    SubscriptionPayoutRun,
)
from agora.commerce.services import (
    ledger,
    payments,
    subscription_events,
    subscription_payouts,
)
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import paid_order, published_course
from tests.commerce.recount import (
    combined,
    ledger_dues,
    order_shares,
    pool_shares,
    record_learning,
)
from tests.commerce.subscription_helpers import make_plan, receive, start

MONTHS = [date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]


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
        for learner in learners:
            record_learning(
                rng,
                learner=learner,
                subscription=subs[learner.pk],
                courses=courses,
                month_start=start_at,
                sessions=rng.randint(0, 3),
            )
        subscription_events.settle_subscriptions(now=start_at + timedelta(days=28))
        _, end_at = subscription_payouts.month_bounds(month)
        subscription_payouts.split_month(month=month, now=end_at)
        subscription_payouts.split_month(month=month, now=end_at)  # a rerun pays nothing

    assert ledger.invariant_problems() == []
    assert SubscriptionPayoutRun.objects.exists()
    shares_of = {course.pk: {course.owner_id: 100} for course in courses}
    assert ledger_dues() == combined(order_shares(), pool_shares(MONTHS, shares_of))
    assert sum(
        p.pool_amount for p in SubscriptionPayment.objects.filter(payout_run__isnull=False)
    ) == sum(
        -e.amount
        for e in LedgerEntry.objects.filter(
            account="instructor_available", transaction__kind="subscription_payout"
        )
    )
