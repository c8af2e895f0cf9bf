"""Races that must not double-sell: real threads, real transactions, on whichever database
the suite runs (CI runs it on PostgreSQL too)."""

import threading

import pytest
from django.db import connections

from agora.commerce.models import (
    Coupon,
    CouponRedemption,
    LedgerTransaction,
    Order,
    PaymentEvent,
)
from agora.commerce.services import checkout, payments
from agora.commerce.services.checkout import CouponError
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course


def run_at_once(functions):
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def runner(index, function):
        barrier.wait()
        try:
            results[index] = function()
        except Exception as exc:  # collected for the assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_coupon_max_uses_holds_with_many_buyers_at_once():
    course = published_course(price=1000)
    Coupon.objects.create(code="FEW", percent_off=50, created_by=course.owner, max_uses=3)
    buyers = [UserFactory() for _ in range(8)]

    results = run_at_once(
        [
            lambda b=b: checkout.checkout(buyer=b, course_ids=[course.pk], coupon_code="FEW")
            for b in buyers
        ]
    )

    won = [r for r in results if isinstance(r, checkout.CheckoutResult)]
    refused = [r for r in results if isinstance(r, CouponError)]
    assert (len(won), len(refused)) == (3, 5)
    assert {r.code for r in refused} == {"coupon_exhausted"}
    assert Coupon.objects.get().uses == 3
    assert CouponRedemption.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_checkouts_of_one_course_by_one_learner_make_one_order():
    course = published_course(price=1000)
    buyer = UserFactory()

    results = run_at_once(
        [lambda: checkout.checkout(buyer=buyer, course_ids=[course.pk]) for _ in range(2)]
    )

    assert all(isinstance(r, checkout.CheckoutResult) for r in results), results
    assert Order.objects.filter(status="pending").count() == 1
    assert results[0].order.pk == results[1].order.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_webhooks_fulfil_once():
    from agora.commerce.providers import demo

    course = published_course(price=1000)
    buyer = UserFactory()
    order = checkout.checkout(buyer=buyer, course_ids=[course.pk]).order
    body = demo.event_body(
        event_type="payment.succeeded",
        payment_id=order.provider_payment_id,
        amount=order.total,
        currency=order.currency,
    )
    headers = {demo.SIGNATURE_HEADER: demo.sign(body)}

    results = run_at_once(
        [
            lambda: payments.receive_webhook(provider_name="demo", body=body, headers=headers)
            for _ in range(4)
        ]
    )

    assert len({r.pk for r in results}) == 1
    event = PaymentEvent.objects.get()
    outcomes = run_at_once([lambda: payments.process_event(event_id=event.pk) for _ in range(3)])
    assert outcomes == ["fulfilled"] * 3  # the first applies it; the others read its outcome
    assert Order.objects.get().status == "paid"
    assert Enrollment.objects.filter(learner=buyer, course=course).count() == 1
    assert LedgerTransaction.objects.filter(kind="sale").count() == 1
