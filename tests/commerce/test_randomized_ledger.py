"""Random purchases of courses and bundles, gifts (redeemed, returned, refunded) and
refunds, then the ledger must balance and every instructor's balance equal a recount from
the orders alone."""

import random
from collections import defaultdict

import pytest

from agora.commerce.models import Gift, Order, OrderStatus
from agora.commerce.services import bundles, checkout, gifts, ledger, refunds
from agora.commerce.services.gifts import GiftRequest
from agora.core.errors import DomainError
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course, release_escrow_of
from tests.commerce.recount import order_shares, pay


def recount(instructor_id: int) -> int:
    """The instructor's share of every order still paid, from the order items alone."""
    return order_shares().get(instructor_id, 0)


def instructor_total(instructor_id: int) -> int:
    return sum(ledger.instructor_balances(instructor_id=instructor_id).get("USD", {}).values())


@pytest.mark.parametrize("seed", [7, 2026, 31337])
@pytest.mark.django_db
def test_random_sales_bundles_gifts_and_refunds_keep_the_books(seed):
    rng = random.Random(seed)
    teachers = [UserFactory(is_instructor=True) for _ in range(3)]
    admin = UserFactory(is_staff=True)
    courses = [
        published_course(price=rng.randint(500, 9999), owner=teachers[i % 3]) for i in range(7)
    ]
    from agora.catalog.models import CourseInstructor

    CourseInstructor.objects.create(course=courses[0], user=teachers[1], revenue_share_percent=35)
    offered = []
    for _ in range(3):
        chosen = rng.sample(courses, rng.randint(2, 4))
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
    buyers = [UserFactory() for _ in range(6)]
    paid: list[Order] = []
    refused = 0

    for _ in range(45):
        action = rng.choice(["course", "course", "bundle", "bundle", "gift", "refund", "escrow"])
        buyer = rng.choice(buyers)
        try:
            if action == "course":
                picked = rng.sample(courses, rng.randint(1, 2))
                order = checkout.checkout(buyer=buyer, course_ids=[c.pk for c in picked]).order
                paid.append(pay(order))
            elif action == "bundle":
                bundle = rng.choice(offered)
                order = checkout.checkout(buyer=buyer, course_ids=[], bundle_ids=[bundle.pk]).order
                paid.append(pay(order))
                assert sum(i.price for i in order.items.all()) == order.subtotal
            elif action == "gift":
                order = checkout.checkout(
                    buyer=buyer,
                    course_ids=[rng.choice(courses).pk],
                    gift=GiftRequest(email=f"friend{rng.randint(1, 99)}@example.com"),
                ).order
                paid.append(pay(order))
                gift = Gift.objects.get(order=order)
                recipient = rng.choice(buyers)
                fate = rng.choice(["redeem", "return", "keep"])
                if fate == "redeem":
                    gifts.redeem_gift(user=recipient, code=gift.code)
                elif fate == "return":
                    gifts.return_gift(user=recipient, code=gift.code)
            elif action == "refund" and paid:
                order = rng.choice(paid)
                actor = admin if rng.random() < 0.3 else order.buyer
                refunds.request_refund(actor=actor, order=order, reason="random")
            elif action == "escrow" and paid:
                order = rng.choice(paid)
                order.refresh_from_db()
                if order.status == OrderStatus.PAID:
                    release_escrow_of(order)
        except DomainError:
            refused += 1  # owned already, redeemed already, refund window...: nothing moved

    assert ledger.invariant_problems() == []
    for teacher in teachers:
        assert instructor_total(teacher.pk) == recount(teacher.pk), teacher.pk
    # Access follows the orders: every paid non-gift order's buyer has each of its courses.
    for order in Order.objects.filter(status=OrderStatus.PAID, gift__isnull=True):
        for item in order.items.all():
            assert Enrollment.objects.filter(
                learner=order.buyer, course_id=item.course_id, revoked_at__isnull=True
            ).exists()
    statuses = defaultdict(int)
    for status in Order.objects.values_list("status", flat=True):
        statuses[status] += 1
    # The run did exercise the paths it is about.
    assert statuses["paid"] > 0
    assert statuses["refunded"] > 0
    assert Order.objects.filter(items__bundle__isnull=False).exists()
    assert Gift.objects.exclude(status="awaiting_payment").exists()
