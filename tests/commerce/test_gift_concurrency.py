"""Two redeems of one gift at the same moment: real threads, real transactions, on whichever
database the suite runs (CI runs it on PostgreSQL too)."""

import pytest

from agora.commerce.models import Gift
from agora.commerce.services import checkout, gifts, payments
from agora.commerce.services.gifts import GiftRequest
from agora.core.errors import Conflict
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.concurrency import run_at_once


@pytest.mark.django_db(transaction=True)
def test_two_redeems_of_one_gift_at_once_enroll_one_person():
    course = published_course(price=1500)
    for round_number in range(3):
        order = checkout.checkout(
            buyer=UserFactory(),
            course_ids=[course.pk],
            gift=GiftRequest(email=f"friend{round_number}@example.com"),
        ).order
        event = payments.demo_outcome(payment_id=order.provider_payment_id, succeed=True)
        payments.process_event(event_id=event.pk)
        gift = Gift.objects.get(order=order)
        redeemers = [UserFactory(), UserFactory()]

        results = run_at_once(
            [lambda r=r, c=gift.code: gifts.redeem_gift(user=r, code=c) for r in redeemers]
        )

        won = [r for r in results if isinstance(r, Gift)]
        refused = [r for r in results if isinstance(r, Conflict)]
        assert (len(won), len(refused)) == (1, 1), results
        assert refused[0].code == "gift_already_redeemed"
        assert refused[0].status_code == 409
        gift.refresh_from_db()
        assert gift.status == "redeemed"
        assert Enrollment.objects.filter(course=course, learner__in=redeemers).count() == 1
        assert Enrollment.objects.get(course=course, learner__in=redeemers).learner == (
            gift.redeemed_by
        )


@pytest.mark.django_db(transaction=True)
def test_one_person_redeeming_twice_at_once_is_enrolled_once():
    course = published_course(price=1500)
    order = checkout.checkout(
        buyer=UserFactory(), course_ids=[course.pk], gift=GiftRequest(email="me@example.com")
    ).order
    event = payments.demo_outcome(payment_id=order.provider_payment_id, succeed=True)
    payments.process_event(event_id=event.pk)
    code = Gift.objects.get(order=order).code
    redeemer = UserFactory()

    results = run_at_once([lambda: gifts.redeem_gift(user=redeemer, code=code)] * 2)

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Gift"], results
    assert Enrollment.objects.filter(course=course, learner=redeemer).count() == 1
