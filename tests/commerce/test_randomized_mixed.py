"""Everything at once: single-course and bundle purchases, bundle refunds, gifts (paid,
redeemed, refunded unredeemed) and subscription months (renewals, duplicates, a failure
with its grace period, monthly pool splits by learning time) in one random run, ending with
a balanced ledger and every instructor's balance equal to a recount from the orders, the
refunds (a refunded order counts for nothing) and the monthly splits."""

import random
from datetime import date, timedelta

import pytest

from agora.catalog.models import CourseInstructor
from agora.commerce.models import Gift, GiftStatus, Order, OrderStatus, SubscriptionPayoutRun
from agora.commerce.services import (
    bundles,
    checkout,
    gifts,
    ledger,
    payments,
    refunds,
    subscription_events,
    subscription_payouts,
)
from agora.commerce.services.gifts import GiftRequest
from agora.core.errors import DomainError
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.commerce.recount import (
    combined,
    ledger_dues,
    order_shares,
    pay,
    pool_shares,
    record_learning,
)
from tests.commerce.subscription_helpers import make_plan, receive, start

MONTHS = [date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]


def shop(rng, *, buyers, friends, courses, offered, admin, paid: list[Order]) -> str:
    """One random storefront action; returns what it was (a refused one moved nothing)."""
    action = rng.choice(
        ["course", "course", "bundle", "bundle", "bundle_refund", "gift", "gift_fate", "gift_fate"]
    )
    buyer = rng.choice(buyers)
    try:
        if action == "course":
            picked = rng.sample(courses, rng.randint(1, 2))
            paid.append(
                pay(checkout.checkout(buyer=buyer, course_ids=[c.pk for c in picked]).order)
            )
        elif action == "bundle":
            bundle = rng.choice(offered)
            order = checkout.checkout(buyer=buyer, course_ids=[], bundle_ids=[bundle.pk]).order
            paid.append(pay(order))
        elif action == "bundle_refund":
            candidates = [o for o in paid if o.items.filter(bundle__isnull=False).exists()]
            if candidates:
                order = rng.choice(candidates)
                actor = admin if rng.random() < 0.5 else order.buyer
                refunds.request_refund(actor=actor, order=order, reason="random")
        elif action == "gift":
            order = checkout.checkout(
                buyer=buyer,
                course_ids=[rng.choice(courses).pk],
                gift=GiftRequest(email=f"friend{rng.randint(1, 99)}@example.com"),
            ).order
            paid.append(pay(order))
        elif action == "gift_fate":
            waiting = list(
                Gift.objects.filter(status=GiftStatus.READY, order__status=OrderStatus.PAID)
            )
            if waiting:
                gift = rng.choice(waiting)
                if rng.random() < 0.6:
                    gifts.redeem_gift(user=rng.choice(friends + buyers), code=gift.code)
                else:  # the unredeemed gift refunded to its buyer
                    refunds.request_refund(actor=gift.order.buyer, order=gift.order, reason="gift")
    except DomainError:
        return f"{action}: refused"
    return action


@pytest.mark.parametrize("seed", [5, 404, 2027])
@pytest.mark.django_db
def test_random_sales_gifts_and_subscription_months_keep_the_books(seed):
    rng = random.Random(seed)
    teachers = [UserFactory(is_instructor=True) for _ in range(3)]
    admin = UserFactory(is_staff=True)
    courses = [
        published_course(
            price=rng.randint(500, 9999), owner=teachers[i % 3], in_subscription=i % 2 == 0
        )
        for i in range(6)
    ]
    CourseInstructor.objects.create(course=courses[0], user=teachers[1], revenue_share_percent=30)
    offered = []
    for _ in range(2):
        chosen = rng.sample(courses, 3)
        list_price = sum(c.price for c in chosen)
        offered.append(
            bundles.create_bundle(
                creator=admin,
                title="Random",
                course_ids=[c.pk for c in chosen],
                price=rng.randint(list_price // 2, list_price - 1),
                currency="USD",
            )
        )
    in_plan = [c for c in courses if c.in_subscription]
    plan = make_plan(prices={"USD": 1900})
    subscribers = [UserFactory() for _ in range(3)]
    subs = {}
    for learner in subscribers:
        subs[learner.pk] = start(learner, plan)
        for course in in_plan:
            Enrollment.objects.create(learner=learner, course=course, source="subscription")
    buyers = [UserFactory() for _ in range(5)]
    friends = [UserFactory() for _ in range(3)]  # gift recipients who buy nothing
    paid: list[Order] = []
    done: list[str] = []

    for index, month in enumerate(MONTHS):
        start_at, end_at = subscription_payouts.month_bounds(month)
        pending = []
        for position, learner in enumerate(subscribers):
            subscription = subs[learner.pk]
            when = start_at + timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
            if index == 1 and position == 0:
                continue  # its failure and retry come below, in that order
            roll = 0 if index == 0 else rng.random()  # everyone pays the first month
            if roll < 0.7:
                event = receive(subscription, "subscription.renewed", created=when)
                pending += [event, event] if rng.random() < 0.3 else [event]
            elif roll < 0.9:
                pending.append(receive(subscription, "subscription.payment_failed", created=when))
        rng.shuffle(pending)
        for event in pending:
            payments.process_event(event_id=event.pk)
        if index == 1:
            # A failed renewal puts the first subscriber past due with a grace period; the
            # provider's retry two days later pays within it.
            first = subs[subscribers[0].pk]
            failed_at = start_at + timedelta(days=rng.randint(0, 20))
            failure = receive(first, "subscription.payment_failed", created=failed_at)
            payments.process_event(event_id=failure.pk)
            first.refresh_from_db()
            assert first.status == "past_due"
            assert first.grace_until > failed_at
            retry = receive(first, "subscription.renewed", created=failed_at + timedelta(days=2))
            payments.process_event(event_id=retry.pk)
            first.refresh_from_db()
            assert first.status == "active"
        for _ in range(10):
            done.append(
                shop(
                    rng,
                    buyers=buyers,
                    friends=friends,
                    courses=courses,
                    offered=offered,
                    admin=admin,
                    paid=paid,
                )
            )
        for learner in subscribers:
            record_learning(
                rng,
                learner=learner,
                subscription=subs[learner.pk],
                courses=in_plan,
                month_start=start_at,
                sessions=rng.randint(1, 3),
            )
        subscription_events.settle_subscriptions(now=start_at + timedelta(days=28))
        subscription_payouts.split_month(month=month, now=end_at)
        subscription_payouts.split_month(month=month, now=end_at)  # a rerun pays nothing

    assert ledger.invariant_problems() == []
    shares_of = {course.pk: {course.owner_id: 100} for course in courses}
    shares_of[courses[0].pk] = {teachers[0].pk: 70, teachers[1].pk: 30}
    expected = combined(order_shares(), pool_shares(MONTHS, shares_of))
    assert ledger_dues() == expected
    for teacher in teachers:  # the instructors' own view of it says the same
        balances = ledger.instructor_balances(instructor_id=teacher.pk).get("USD", {})
        assert sum(balances.values()) == expected.get(teacher.pk, 0)
    # The run did exercise every path it is about.
    assert SubscriptionPayoutRun.objects.exists()
    assert {"course", "bundle", "bundle_refund", "gift", "gift_fate"} <= set(done)
    assert Order.objects.filter(status=OrderStatus.REFUNDED, items__bundle__isnull=False).exists()
    assert Gift.objects.filter(redeemed_by__isnull=False).exists()
    assert Gift.objects.filter(
        order__status=OrderStatus.REFUNDED, redeemed_by__isnull=True
    ).exists()
