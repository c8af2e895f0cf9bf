"""Disputes (chargebacks) through the demo provider's signed webhooks: an open dispute freezes
the instructors' shares, a won one unfreezes them, a lost one reverses the sale and ends
access. Duplicates and out-of-order events change nothing more."""

import pytest

from agora.catalog import access
from agora.commerce.models import (
    Dispute,
    LedgerEntry,
    LedgerTransaction,
    Order,
    Payout,
)
from agora.commerce.services import ledger, payouts, refunds
from agora.core.errors import Conflict
from tests.accounts.factories import UserFactory
from tests.commerce.factories import (
    demo_event,
    paid_order,
    published_course,
    release_escrow_of,
)
from tests.conftest import ApiClient, login_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(db):
    return UserFactory(email="buyer@example.com")


@pytest.fixture
def course(db):
    # 20.00 USD, 20% commission: the instructor's share is 16.00.
    return published_course(price=2000)


@pytest.fixture
def order(buyer, course):
    return paid_order(buyer=buyer, course=course)


def balances(course):
    return ledger.instructor_balances(instructor_id=course.owner_id)["USD"]


class TestOpened:
    def test_freezes_the_share_held_in_escrow(self, order, course, buyer):
        event = demo_event(order, "dispute.created", dispute_id="dp_1")

        assert event.outcome == "dispute opened; instructor shares frozen"
        assert balances(course) == {"instructor_pending": 0, "instructor_frozen": 1600}
        dispute = Dispute.objects.get()
        assert (dispute.provider, dispute.provider_dispute_id, dispute.status) == (
            "demo",
            "dp_1",
            "open",
        )
        assert (dispute.amount, dispute.currency, dispute.order_id) == (2000, "USD", order.pk)
        order.refresh_from_db()
        assert order.status == "paid"
        assert access.has_learner_access(buyer, course)
        earnings = refunds.earnings(instructor=course.owner)
        assert (earnings["pending"], earnings["frozen"], earnings["lifetime"]) == (0, 1600, 1600)

    def test_freezes_a_released_share_so_no_payout_takes_it(self, order, course, admin_user):
        release_escrow_of(order)
        assert balances(course)["instructor_available"] == 1600

        demo_event(order, "dispute.created")

        assert balances(course) == {
            "instructor_pending": 0,
            "instructor_available": 0,
            "instructor_frozen": 1600,
        }
        with pytest.raises(Conflict) as refused:
            payouts.record_manual_payout(admin=admin_user, instructor=course.owner, amount=1)
        assert refused.value.code == "insufficient_balance"
        assert Payout.objects.count() == 0

    def test_the_dispute_id_defaults_to_the_payment(self, order):
        demo_event(order, "dispute.created")

        assert Dispute.objects.get().provider_dispute_id == f"dp_{order.provider_payment_id}"

    def test_a_duplicate_freezes_once(self, order, course):
        demo_event(order, "dispute.created", dispute_id="dp_1", event_id="evt_a")
        second = demo_event(order, "dispute.created", dispute_id="dp_1", event_id="evt_b")
        redelivered = demo_event(order, "dispute.created", dispute_id="dp_1", event_id="evt_a")

        assert second.outcome == "ignored: dispute already open"
        assert redelivered.outcome == "dispute opened; instructor shares frozen"
        assert LedgerTransaction.objects.filter(kind="dispute_opened").count() == 1
        assert balances(course)["instructor_frozen"] == 1600

    def test_the_escrow_is_not_released_while_disputed(self, order, course):
        demo_event(order, "dispute.created")

        release_escrow_of(order)

        assert balances(course) == {"instructor_pending": 0, "instructor_frozen": 1600}
        assert not LedgerTransaction.objects.filter(kind="escrow_release").exists()

    def test_a_refund_is_refused_while_disputed(self, order, buyer):
        demo_event(order, "dispute.created")
        buyer_api = ApiClient(login_tokens(buyer.email)["access"])
        entries = LedgerEntry.objects.count()

        response = buyer_api.post(f"/orders/{order.pk}/refund", {"reason": "Changed my mind"})

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "order_disputed"
        assert LedgerEntry.objects.count() == entries
        order.refresh_from_db()
        assert order.status == "paid"


class TestWon:
    def test_unfreezes_back_to_escrow_which_is_then_released(self, order, course):
        demo_event(order, "dispute.created", dispute_id="dp_1")

        event = demo_event(order, "dispute.won", dispute_id="dp_1")

        assert event.outcome == "dispute won; instructor shares unfrozen"
        assert balances(course) == {"instructor_pending": 1600, "instructor_frozen": 0}
        dispute = Dispute.objects.get()
        assert dispute.status == "won"
        assert dispute.closed_at is not None
        release_escrow_of(order)
        assert balances(course)["instructor_available"] == 1600

    def test_unfreezes_back_to_the_available_balance(self, order, course):
        release_escrow_of(order)
        demo_event(order, "dispute.created")

        demo_event(order, "dispute.won")

        assert balances(course) == {
            "instructor_pending": 0,
            "instructor_available": 1600,
            "instructor_frozen": 0,
        }

    def test_won_twice_unfreezes_once(self, order, course):
        demo_event(order, "dispute.created")
        demo_event(order, "dispute.won", event_id="evt_w1")

        again = demo_event(order, "dispute.won", event_id="evt_w2")

        assert again.outcome == "ignored: dispute already won"
        assert LedgerTransaction.objects.filter(kind="dispute_won").count() == 1
        assert balances(course)["instructor_pending"] == 1600


class TestLost:
    def test_reverses_the_sale_and_ends_access(self, order, course, buyer):
        demo_event(order, "dispute.created")

        event = demo_event(order, "dispute.lost")

        assert event.outcome == "dispute lost; sale reversed and access revoked"
        order.refresh_from_db()
        assert order.status == "charged_back"
        assert not access.has_learner_access(buyer, course)
        assert balances(course) == {"instructor_pending": 0, "instructor_frozen": 0}
        for account in ("platform_revenue", "tax_payable", "provider_clearing"):
            assert ledger.balance(account=account, currency="USD") == 0
        assert Dispute.objects.get().status == "lost"
        assert refunds.earnings(instructor=course.owner)["lifetime"] == 0

    def test_lost_after_a_payout_leaves_a_negative_balance(self, order, course, admin_user):
        release_escrow_of(order)
        payouts.record_manual_payout(admin=admin_user, instructor=course.owner, amount=1600)
        demo_event(order, "dispute.created")

        demo_event(order, "dispute.lost")

        assert balances(course) == {
            "instructor_pending": 0,
            "instructor_available": -1600,
            "instructor_frozen": 0,
        }
        earnings = refunds.earnings(instructor=course.owner)
        assert (earnings["available"], earnings["paid_out"], earnings["lifetime"]) == (
            -1600,
            1600,
            0,
        )

    def test_a_stale_payment_event_never_moves_it_back_to_paid(self, order, buyer, course):
        demo_event(order, "dispute.lost")

        stale = demo_event(order, "payment.succeeded")

        assert stale.outcome == "ignored: order already charged_back"
        order.refresh_from_db()
        assert order.status == "charged_back"
        assert not access.has_learner_access(buyer, course)


class TestOutOfOrder:
    def test_won_before_opened_freezes_nothing(self, order, course):
        won = demo_event(order, "dispute.won", dispute_id="dp_1")
        opened = demo_event(order, "dispute.created", dispute_id="dp_1")

        assert won.outcome == "dispute won; nothing was frozen"
        assert opened.outcome == "ignored: dispute already won"
        assert balances(course) == {"instructor_pending": 1600}
        assert Dispute.objects.get().status == "won"

    def test_lost_before_opened_reverses_from_escrow(self, order, course, buyer):
        lost = demo_event(order, "dispute.lost", dispute_id="dp_1")
        opened = demo_event(order, "dispute.created", dispute_id="dp_1")

        assert lost.outcome == "dispute lost; sale reversed and access revoked"
        assert opened.outcome == "ignored: dispute already lost"
        assert balances(course) == {"instructor_pending": 0}
        assert Order.objects.get(pk=order.pk).status == "charged_back"
        assert not LedgerTransaction.objects.filter(kind="dispute_opened").exists()

    def test_lost_then_won_keeps_it_lost(self, order, course):
        demo_event(order, "dispute.created")
        demo_event(order, "dispute.lost")

        won = demo_event(order, "dispute.won")

        assert won.outcome == "ignored: dispute already lost"
        assert balances(course) == {"instructor_pending": 0, "instructor_frozen": 0}


class TestRefundAtTheProviderDuringADispute:
    def test_the_frozen_share_is_reversed_and_winning_later_changes_nothing(self, order, course):
        demo_event(order, "dispute.created")

        refunded = demo_event(order, "refund.succeeded")
        won = demo_event(order, "dispute.won")

        assert refunded.outcome == "refunded"
        assert won.outcome == "dispute won; order is refunded, nothing to unfreeze"
        assert balances(course) == {"instructor_pending": 0, "instructor_frozen": 0}
        assert ledger.balance(account="platform_revenue", currency="USD") == 0


def test_a_dispute_on_a_free_order_freezes_nothing(buyer):
    from agora.commerce.services import checkout

    free = published_course(price=0)
    order = checkout.checkout(buyer=buyer, course_ids=[free.pk]).order
    Order.objects.filter(pk=order.pk).update(provider="demo", provider_payment_id="demo_free_1")
    order.refresh_from_db()

    event = demo_event(order, "dispute.created")

    assert event.outcome == "dispute opened; nothing to freeze (a free order)"
    assert LedgerEntry.objects.count() == 0
