"""Races that must not double-sell: real threads, real transactions, on whichever database
the suite runs (CI runs it on PostgreSQL too)."""

import pytest

from agora.commerce.models import (
    Coupon,
    CouponRedemption,
    LedgerTransaction,
    Order,
    PaymentEvent,
)
from agora.commerce.services import checkout, payments, reconciliation
from agora.commerce.services.checkout import CouponError
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.concurrency import run_at_once


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


@pytest.mark.django_db(transaction=True)
def test_two_payout_runs_at_once_pay_each_instructor_once(settings, monkeypatch):
    from agora.commerce.models import Payout
    from agora.commerce.providers import stripe as stripe_provider
    from agora.commerce.services import ledger, payouts
    from tests.commerce.factories import paid_order, release_escrow_of, stripe_ready_account
    from tests.commerce.providers.fakehttp import Answer, FakeHTTP

    fake_stripe = FakeHTTP()
    try:
        settings.STRIPE_SECRET_KEY = "sk_test_123"
        settings.STRIPE_API_BASE = fake_stripe.url
        settings.PAYOUT_MINIMUM = 1000
        monkeypatch.setattr(stripe_provider, "MAX_NETWORK_RETRIES", 0)
        # A slow Stripe widens the window in which the second run could pay again.
        fake_stripe.on(
            "POST", "/v1/transfers", Answer(200, {"id": "tr_1", "object": "transfer"}, delay=0.2)
        )
        teachers = [UserFactory(is_instructor=True) for _ in range(3)]
        for number, teacher in enumerate(teachers):
            stripe_ready_account(teacher, account_id=f"acct_{number}")
            release_escrow_of(
                paid_order(buyer=UserFactory(), course=published_course(price=2000, owner=teacher))
            )

        results = run_at_once([payouts.run_scheduled_payouts for _ in range(2)])

        assert all(isinstance(r, dict) for r in results), results
        assert sum(r["paid"] for r in results) == 3
        assert sorted(Payout.objects.values_list("instructor_id", "amount", "status")) == [
            (teacher.pk, 1600, "paid") for teacher in teachers
        ]
        transfers = fake_stripe.calls("POST", "/v1/transfers")
        assert sorted(call.form()["destination"] for call in transfers) == [
            "acct_0",
            "acct_1",
            "acct_2",
        ]
        for teacher in teachers:
            assert (
                ledger.owed(
                    instructor_id=teacher.pk, account="instructor_available", currency="USD"
                )
                == 0
            )
        assert LedgerTransaction.objects.filter(kind="payout").count() == 3
    finally:
        fake_stripe.close()


@pytest.mark.django_db(transaction=True)
def test_two_manual_payouts_at_once_never_overdraw(admin_user):
    from agora.commerce.models import Payout
    from agora.commerce.services import payouts
    from agora.core.errors import Conflict
    from tests.commerce.factories import paid_order, release_escrow_of

    teacher = UserFactory(is_instructor=True)
    release_escrow_of(
        paid_order(buyer=UserFactory(), course=published_course(price=2000, owner=teacher))
    )

    results = run_at_once(
        [
            lambda: payouts.record_manual_payout(
                admin=admin_user, instructor=teacher, amount=1000, currency="USD"
            )
            for _ in range(2)
        ]
    )

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Payout"]
    assert [r.code for r in results if isinstance(r, Conflict)] == ["insufficient_balance"]
    assert Payout.objects.count() == 1
    assert payouts.available_balance(instructor_id=teacher.pk, currency="USD") == 600


def _stored_payment(order, event_id):
    """A payment.succeeded event as the webhook stores it, not yet processed."""
    return PaymentEvent.objects.create(
        provider="demo",
        event_id=event_id,
        type="payment.succeeded",
        payment_id=order.provider_payment_id,
        amount=order.total,
        currency=order.currency,
        payload={},
    )


@pytest.mark.django_db(transaction=True)
def test_payments_of_a_replaced_order_and_its_replacement_at_once_sell_the_course_once():
    from agora.commerce.services.ledger import invariant_problems

    course = published_course(price=1000)
    for round_number in range(4):
        buyer = UserFactory()
        # With and without a coupon: its once-per-buyer rule must not be what saves the day.
        code = f"TWO{round_number}" if round_number % 2 else None
        if code:
            Coupon.objects.create(code=code, percent_off=10, created_by=course.owner, max_uses=2)
        first = checkout.checkout(buyer=buyer, course_ids=[course.pk], coupon_code=code).order
        second = checkout.checkout(
            buyer=buyer,
            course_ids=[course.pk, published_course(price=500).pk],
            coupon_code=code,
        ).order
        events = [
            _stored_payment(first, f"evt_{round_number}_first"),
            _stored_payment(second, f"evt_{round_number}_second"),
        ]

        outcomes = run_at_once([lambda e=e: payments.process_event(event_id=e.pk) for e in events])

        assert all(isinstance(outcome, str) for outcome in outcomes), outcomes
        statuses = sorted(Order.objects.filter(buyer=buyer).values_list("status", flat=True))
        assert statuses == ["auto_refunded", "paid"], outcomes
        assert Enrollment.objects.filter(learner=buyer, course=course).count() == 1
        if code:
            live = CouponRedemption.objects.filter(buyer=buyer).exclude(status="released")
            assert list(live.values_list("order__status", "status")) == [("paid", "redeemed")]
            assert Coupon.objects.get(code=code).uses == 1
    assert invariant_problems() == []


@pytest.mark.django_db(transaction=True)
def test_a_checkout_replacing_an_order_while_its_payment_arrives_sells_the_course_once():
    from agora.commerce.services.checkout import AlreadyOwned

    course = published_course(price=1000)
    other = published_course(price=500)
    buyer = UserFactory()
    first = checkout.checkout(buyer=buyer, course_ids=[course.pk]).order
    payment = _stored_payment(first, "evt_first")

    results = run_at_once(
        [
            lambda: checkout.checkout(buyer=buyer, course_ids=[course.pk, other.pk]),
            lambda: payments.process_event(event_id=payment.pk),
        ]
    )

    # Either the payment came first (the checkout is refused: already owned) or the checkout
    # did (the late payment revives the first order and cancels the new one).
    assert isinstance(results[0], checkout.CheckoutResult | AlreadyOwned), results
    assert isinstance(results[1], str), results
    first.refresh_from_db()
    assert first.status == "paid"
    assert not Order.objects.filter(buyer=buyer, status="pending").exists()
    assert Enrollment.objects.filter(learner=buyer, course=course).count() == 1
    assert not Enrollment.objects.filter(learner=buyer, course=other).exists()


@pytest.mark.django_db(transaction=True)
def test_the_expiry_of_a_stale_order_while_its_payment_arrives_still_sells_it():
    from datetime import timedelta

    from django.utils import timezone

    course = published_course(price=1000)
    buyer = UserFactory()
    order = checkout.checkout(buyer=buyer, course_ids=[course.pk]).order
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=25))
    payment = _stored_payment(order, "evt_stale")

    results = run_at_once(
        [reconciliation.reconcile, lambda: payments.process_event(event_id=payment.pk)]
    )

    assert isinstance(results[0], dict), results
    assert isinstance(results[1], str), results
    order.refresh_from_db()
    assert order.status == "paid"
    assert Enrollment.objects.filter(learner=buyer, course=course).count() == 1


@pytest.mark.django_db(transaction=True)
def test_bundle_edits_during_checkouts_leave_each_order_one_whole_version():
    from agora.commerce.services import bundles

    teacher = UserFactory(is_instructor=True)
    first, second, third, extra = (
        published_course(price=price, owner=teacher) for price in (1000, 2000, 3000, 4000)
    )
    bundle = bundles.create_bundle(
        creator=teacher,
        title="Trio",
        course_ids=[first.pk, second.pk, third.pk],
        price=4500,
        currency="USD",
    )
    versions = {
        frozenset({first.pk, second.pk, third.pk}): 4500,
        frozenset({first.pk, extra.pk}): 3000,
    }
    edits = [
        lambda ids=ids, price=price: bundles.update_bundle(
            editor=teacher,
            bundle_id=bundle.pk,
            title="Trio",
            course_ids=sorted(ids),
            price=price,
            currency="USD",
        )
        for ids, price in [*versions.items(), *versions.items()]
    ]
    buyers = [UserFactory() for _ in range(6)]
    sales = [
        lambda buyer=buyer: checkout.checkout(buyer=buyer, course_ids=[], bundle_ids=[bundle.pk])
        for buyer in buyers
    ]

    results = run_at_once([*sales, *edits])

    assert not [r for r in results if isinstance(r, Exception)], results
    for order in Order.objects.filter(buyer__in=buyers).prefetch_related("items"):
        items = list(order.items.all())
        courses = frozenset(item.course_id for item in items)
        assert courses in versions, courses
        assert sum(item.price for item in items) == versions[courses] == order.total
