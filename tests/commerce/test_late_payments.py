"""Payments that arrive late: for an order replaced by a newer checkout, expired, failed, or
for a course the buyer got meanwhile. Revived when it still can be, refunded otherwise; never
two paid orders for one course and buyer, never a coupon past max_uses, the ledger balanced,
every event idempotent."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from agora.catalog import access
from agora.commerce.models import (
    Coupon,
    CouponRedemption,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderItem,
    PaymentEvent,
)
from agora.commerce.services import checkout, ledger, payments, reconciliation
from agora.commerce.services.ledger import invariant_problems
from agora.learning.models import Enrollment
from agora.learning.services import grant_enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import demo_event, published_course
from tests.conftest import client_for


def buy(buyer, *courses, coupon=None, provider="demo") -> Order:
    return checkout.checkout(
        buyer=buyer,
        course_ids=[course.pk for course in courses],
        coupon_code=coupon,
        provider_name=provider,
    ).order


def status_of(order) -> str:
    order.refresh_from_db()
    return order.status


def paid_orders_of(buyer, course) -> list[int]:
    return list(
        OrderItem.objects.filter(
            order__buyer=buyer, order__status="paid", course=course
        ).values_list("order_id", flat=True)
    )


def ledger_kinds_of(order) -> list[str]:
    return sorted(
        LedgerTransaction.objects.filter(
            idempotency_key__endswith=f":order:{order.pk}"
        ).values_list("kind", flat=True)
    )


def expire(order) -> None:
    """Ages the order past the pending-order lifetime and runs the reconciliation."""
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=25))
    reconciliation.reconcile()


@pytest.fixture
def buyer(db):
    return UserFactory(email="buyer@example.com")


@pytest.fixture
def course(db):
    return published_course(price=2000)


@pytest.mark.django_db
class TestRevived:
    def test_a_replaced_order_paid_while_its_replacement_is_unpaid_is_revived(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        other = published_course(price=1000)
        Coupon.objects.create(code="TWO", percent_off=10, created_by=course.owner, max_uses=2)
        first = buy(buyer, course, coupon="TWO")
        replacement = buy(buyer, course, other, coupon="TWO")
        assert (status_of(first), Coupon.objects.get().uses) == ("canceled", 1)

        with django_capture_on_commit_callbacks(execute=True):
            late = demo_event(first, "payment.succeeded")

        assert late.outcome == "fulfilled: paid after it was canceled, revived"
        first.refresh_from_db()
        assert (first.status, first.failure_reason) == ("paid", "")
        assert status_of(replacement) == "canceled"
        assert paid_orders_of(buyer, course) == [first.pk]
        assert access.has_learner_access(buyer, course)
        assert not access.has_learner_access(buyer, other)
        # The buyer's one use of the coupon moved back from the replacement to the paid order.
        assert Coupon.objects.get().uses == 1
        assert dict(CouponRedemption.objects.values_list("order_id", "status")) == {
            first.pk: "redeemed",
            replacement.pk: "released",
        }
        assert ledger_kinds_of(first) == ["sale"]

    def test_the_replacements_own_later_payment_is_refunded(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        other = published_course(price=1000)
        first = buy(buyer, course)
        replacement = buy(buyer, course, other)
        demo_event(first, "payment.succeeded")

        with django_capture_on_commit_callbacks(execute=True):
            late = demo_event(replacement, "payment.succeeded")

        assert late.outcome.startswith("refund due: Paid after it was canceled;")
        replacement.refresh_from_db()
        assert replacement.status == "auto_refunded"
        assert replacement.provider_refund_id.startswith("demo_refund_")
        assert f"“{course.title}”" in replacement.failure_reason
        assert paid_orders_of(buyer, course) == [first.pk]
        assert not access.has_learner_access(buyer, other)
        assert ledger_kinds_of(replacement) == ["payment_return", "unfulfilled_payment"]

    def test_an_order_expired_by_reconciliation_and_paid_later_is_revived(self, buyer, course):
        order = buy(buyer, course)
        expire(order)
        assert status_of(order) == "canceled"

        demo_event(order, "payment.succeeded")

        assert status_of(order) == "paid"
        assert access.has_learner_access(buyer, course)

    def test_a_failed_order_paid_later_is_revived_and_takes_its_coupon_again(self, buyer, course):
        Coupon.objects.create(code="ONE", percent_off=10, created_by=course.owner, max_uses=1)
        order = buy(buyer, course, coupon="ONE")
        demo_event(order, "payment.failed")
        assert (status_of(order), Coupon.objects.get().uses) == ("failed", 0)

        demo_event(order, "payment.succeeded")

        assert status_of(order) == "paid"
        assert Coupon.objects.get().uses == 1
        assert CouponRedemption.objects.get(order=order).status == "redeemed"
        assert access.has_learner_access(buyer, course)


@pytest.mark.django_db
def test_a_failed_payment_for_a_replaced_order_changes_nothing(buyer, course):
    Coupon.objects.create(code="TWO", percent_off=10, created_by=course.owner, max_uses=2)
    first = buy(buyer, course, coupon="TWO")
    replacement = buy(buyer, course, published_course(price=500), coupon="TWO")

    failed = demo_event(first, "payment.failed")

    assert failed.outcome == "ignored: order is canceled"
    assert (status_of(first), status_of(replacement)) == ("canceled", "pending")
    assert Coupon.objects.get().uses == 1


@pytest.mark.django_db
class TestRefunded:
    def test_a_replaced_order_paid_after_its_replacement_was_paid_is_refunded(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        first = buy(buyer, course)
        replacement = buy(buyer, course, published_course(price=500))
        demo_event(replacement, "payment.succeeded")

        with django_capture_on_commit_callbacks(execute=False) as jobs:
            demo_event(first, "payment.succeeded")

        first.refresh_from_db()
        assert first.status == "refund_pending"
        assert first.failure_reason == (
            f"Paid after it was canceled; refunded automatically: the buyer already has "
            f"“{course.title}”."
        )
        assert ledger.balance(account="refunds_payable", currency="USD") == -2000
        for job in jobs:
            job()
        first.refresh_from_db()
        assert first.status == "auto_refunded"
        assert first.refunded_at is not None
        assert paid_orders_of(buyer, course) == [replacement.pk]
        assert Enrollment.objects.filter(learner=buyer, course=course).count() == 1
        # Clearing took the 20.00 in and gave it back; nothing is owed any more.
        entries = LedgerEntry.objects.filter(
            transaction__idempotency_key__in=[
                f"unfulfilled:order:{first.pk}",
                f"return:order:{first.pk}",
            ]
        )
        assert sorted(entries.values_list("account", "amount")) == [
            ("provider_clearing", -2000),
            ("provider_clearing", 2000),
            ("refunds_payable", -2000),
            ("refunds_payable", 2000),
        ]
        assert ledger.balance(account="refunds_payable", currency="USD") == 0
        call_command("check_ledger")

    def test_a_late_payment_whose_coupon_was_used_up_meanwhile_is_refunded(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        Coupon.objects.create(code="ONE", percent_off=10, created_by=course.owner, max_uses=1)
        order = buy(buyer, course, coupon="ONE")
        expire(order)
        buy(UserFactory(), course, coupon="ONE")  # someone else takes the freed use
        assert Coupon.objects.get().uses == 1

        with django_capture_on_commit_callbacks(execute=True):
            late = demo_event(order, "payment.succeeded")

        assert "its coupon was used up meanwhile" in late.outcome
        assert status_of(order) == "auto_refunded"
        assert Coupon.objects.get().uses == 1
        assert CouponRedemption.objects.get(order=order).status == "released"
        assert not access.has_learner_access(buyer, course)
        assert ledger_kinds_of(order) == ["payment_return", "unfulfilled_payment"]

    def test_a_late_payment_whose_coupon_the_buyer_used_elsewhere_is_refunded(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        Coupon.objects.create(code="ONCE", percent_off=10, created_by=course.owner)
        order = buy(buyer, course, coupon="ONCE")
        expire(order)
        elsewhere = published_course(price=3000, owner=course.owner)
        demo_event(buy(buyer, elsewhere, coupon="ONCE"), "payment.succeeded")

        with django_capture_on_commit_callbacks(execute=True):
            late = demo_event(order, "payment.succeeded")

        assert "the buyer has used its coupon on another order" in late.outcome
        assert status_of(order) == "auto_refunded"
        assert Coupon.objects.get().uses == 1
        assert not access.has_learner_access(buyer, course)

    def test_a_pending_order_paid_after_the_buyer_got_the_course_is_refunded(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        Coupon.objects.create(code="ONE", percent_off=10, created_by=course.owner, max_uses=1)
        order = buy(buyer, course, coupon="ONE")
        grant_enrollment(learner=buyer, course=course, source="grant")

        with django_capture_on_commit_callbacks(execute=True):
            late = demo_event(order, "payment.succeeded")

        assert late.outcome == (
            f"refund due: Paid; refunded automatically: the buyer already has “{course.title}”."
        )
        assert status_of(order) == "auto_refunded"
        assert paid_orders_of(buyer, course) == []
        # The pending order's coupon use is given back.
        assert Coupon.objects.get().uses == 0
        assert CouponRedemption.objects.get(order=order).status == "released"

    def test_duplicate_and_repeated_late_events_change_nothing(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        first = buy(buyer, course)
        replacement = buy(buyer, course, published_course(price=500))
        demo_event(replacement, "payment.succeeded")
        with django_capture_on_commit_callbacks(execute=True):
            demo_event(first, "payment.succeeded", event_id="evt_late")
        before = (
            LedgerTransaction.objects.count(),
            LedgerEntry.objects.count(),
            Order.objects.get(pk=first.pk).provider_refund_id,
        )

        with django_capture_on_commit_callbacks(execute=True):
            duplicate = demo_event(first, "payment.succeeded", event_id="evt_late")
            other_delivery = demo_event(first, "payment.succeeded", event_id="evt_late_2")
            failed_after = demo_event(first, "payment.failed", event_id="evt_late_3")

        assert PaymentEvent.objects.filter(event_id="evt_late").count() == 1
        assert duplicate.outcome.startswith("refund due:")
        assert other_delivery.outcome == "ignored: order already auto_refunded"
        assert failed_after.outcome == "ignored: order is auto_refunded"
        after = (
            LedgerTransaction.objects.count(),
            LedgerEntry.objects.count(),
            Order.objects.get(pk=first.pk).provider_refund_id,
        )
        assert after == before
        assert status_of(first) == "auto_refunded"
        assert status_of(replacement) == "paid"

    def test_the_refund_job_run_twice_refunds_and_records_once(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        order = buy(buyer, course)
        grant_enrollment(learner=buyer, course=course, source="grant")
        with django_capture_on_commit_callbacks(execute=False):
            demo_event(order, "payment.succeeded")

        outcomes = [payments.return_payment(order_id=order.pk) for _ in range(2)]

        assert outcomes == ["refund recorded: payment returned", "ignored: order is auto_refunded"]
        assert ledger_kinds_of(order) == ["payment_return", "unfulfilled_payment"]

    def test_a_refund_the_provider_reports_first_is_recorded_and_not_repeated(
        self, buyer, course, django_capture_on_commit_callbacks
    ):
        order = buy(buyer, course)
        grant_enrollment(learner=buyer, course=course, source="grant")
        with django_capture_on_commit_callbacks(execute=False) as jobs:
            demo_event(order, "payment.succeeded")

        reported = demo_event(order, "refund.succeeded")
        for job in jobs:
            job()

        assert reported.outcome == "refund recorded: payment returned"
        order.refresh_from_db()
        assert (order.status, order.provider_refund_id) == ("auto_refunded", "")
        assert ledger_kinds_of(order) == ["payment_return", "unfulfilled_payment"]


@pytest.mark.django_db
class TestSeenByPeople:
    @pytest.fixture
    def owed(self, buyer, course, django_capture_on_commit_callbacks):
        first = buy(buyer, course)
        demo_event(buy(buyer, course, published_course(price=500)), "payment.succeeded")
        with django_capture_on_commit_callbacks(execute=False):
            demo_event(first, "payment.succeeded")
        return first

    def test_admins_filter_the_orders_owed_back(self, owed, admin_user):
        browser = client_for(admin_user)

        pending = browser.get("/admin/commerce/order/?status__exact=refund_pending")
        paid = browser.get("/admin/commerce/order/?status__exact=paid")

        assert owed.number in pending.content.decode()
        assert owed.number not in paid.content.decode()

    def test_the_admin_transactions_page_lists_them(self, owed, admin_user):
        page = client_for(admin_user).get("/admin-console/transactions/").content.decode()

        assert "Payments owed back to buyers" in page
        assert owed.number in page
        assert "Paid after it was canceled; refunded automatically" in page

    def test_the_buyer_is_told_the_money_is_coming_back(self, owed, buyer):
        page = client_for(buyer).get(f"/orders/{owed.pk}/").content.decode()

        assert "the full amount is being returned to you" in page

    @pytest.mark.ledger_broken_on_purpose
    def test_check_ledger_notices_an_order_owed_back_without_its_entries(self, owed):
        LedgerEntry.objects.filter(
            transaction__idempotency_key=f"unfulfilled:order:{owed.pk}"
        ).delete()  # raw delete past the append-only guard: a broken ledger on purpose
        LedgerTransaction.objects.filter(idempotency_key=f"unfulfilled:order:{owed.pk}").delete()

        assert invariant_problems() == [
            "0 USD is owed back to buyers in the ledger; orders awaiting their refund total 2000"
        ]


@pytest.mark.django_db
def test_a_late_payment_page_visit_cannot_pay_a_canceled_demo_order(buyer, course):
    """The demo pay page only takes a payment for a pending order."""
    first = buy(buyer, course)
    buy(buyer, course, published_course(price=500))
    path = first.checkout_url.split("127.0.0.1:8000", 1)[-1]

    Client().post(path, {"outcome": "succeed"})

    assert status_of(first) == "canceled"
    assert PaymentEvent.objects.count() == 0
