"""The demo provider's subscription events: renewals, failures with a grace period and
dunning emails, provider cancels; duplicates and out-of-order delivery; real races."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agora.commerce.models import (
    LedgerEntry,
    PaymentEvent,
    Subscription,
    SubscriptionPayment,
)
from agora.commerce.services import ledger, payments, subscription_events, subscriptions
from tests.accounts.factories import UserFactory
from tests.commerce.subscription_helpers import make_plan, paid_subscription, receive, send, start
from tests.concurrency import run_at_once
from tests.conftest import client_for


def pool_balance(currency="USD") -> int:
    return -ledger.balance(account="subscription_pool", currency=currency)


@pytest.fixture
def plan(db):
    return make_plan(prices={"USD": 1500})


@pytest.fixture
def subscriber(db):
    return UserFactory(email="sub@example.com")


@pytest.mark.django_db
class TestRenewals:
    def test_each_renewal_extends_by_one_period_from_the_first_payment(self, plan, subscriber):
        first = timezone.now() - timedelta(days=40)
        subscription = paid_subscription(subscriber, plan, created=first)

        outcome = send(subscription, "subscription.renewed", created=first + timedelta(days=31))

        assert outcome == "payment recorded: 2 period(s) paid, active"
        assert subscription.started_at == first.replace(microsecond=0)
        assert subscription.current_period_end == subscriptions.add_periods(
            subscription.started_at, "month", 2
        )
        assert subscriptions.has_access(subscription)
        assert SubscriptionPayment.objects.count() == 2
        assert pool_balance() == 2 * 1200

    def test_a_yearly_plan_renews_by_a_year(self, subscriber):
        yearly = make_plan(name="Yearly", interval="year", prices={"USD": 12000})

        subscription = paid_subscription(subscriber, yearly)

        assert subscription.current_period_end == subscription.started_at.replace(
            year=subscription.started_at.year + 1
        )

    def test_the_same_event_twice_extends_once(self, plan, subscriber):
        subscription = paid_subscription(subscriber, plan)

        send(subscription, "subscription.renewed", event_id="evt_renew_2")
        second = send(subscription, "subscription.renewed", event_id="evt_renew_2")

        assert subscription.paid_periods == 2
        assert PaymentEvent.objects.filter(event_id="evt_renew_2").count() == 1
        assert second.startswith("payment recorded")  # the stored event's outcome, once

    def test_one_invoice_in_two_events_is_one_payment(self, plan, subscriber):
        subscription = paid_subscription(subscriber, plan)

        send(subscription, "subscription.renewed", invoice_id="in_2")
        outcome = send(subscription, "subscription.renewed", invoice_id="in_2")

        assert outcome == "ignored: this payment is recorded already"
        assert subscription.paid_periods == 2
        assert SubscriptionPayment.objects.count() == 2

    def test_renewals_arriving_out_of_order_give_the_same_period(self, plan, subscriber):
        first = timezone.now() - timedelta(days=70)
        subscription = start(subscriber, plan)
        # The third payment arrives first, then the first, then the second.
        for days in (62, 0, 31):
            send(subscription, "subscription.renewed", created=first + timedelta(days=days))

        assert subscription.status == "active"
        assert subscription.started_at == first.replace(microsecond=0)
        assert subscription.current_period_end == subscriptions.add_periods(
            subscription.started_at, "month", 3
        )

    def test_a_wrong_amount_records_nothing(self, plan, subscriber):
        subscription = start(subscriber, plan)

        outcome = send(subscription, "subscription.renewed", amount=1)

        assert outcome.startswith("amount mismatch")
        assert subscription.status == "incomplete"
        assert not LedgerEntry.objects.exists()

    def test_an_event_for_an_unknown_subscription_is_ignored(self, plan, subscriber):
        subscription = start(subscriber, plan)
        subscription.provider_subscription_id = "demo_sub_unknown"

        assert send(subscription, "subscription.renewed") == "ignored: no subscription has this id"

    def test_a_bad_signature_is_400_and_stores_nothing(self, plan, subscriber, api):
        from agora.commerce.providers import demo

        subscription = start(subscriber, plan)
        body = demo.subscription_event_body(
            event_type="subscription.renewed",
            subscription_id=subscription.provider_subscription_id,
            amount=1500,
            currency="USD",
        )

        response = api.post(
            "/payments/webhooks/demo",
            raw=body,
            headers={"Demo-Signature": demo.sign(body, secret="wrong")},
        )

        assert response.status_code == 400
        assert not PaymentEvent.objects.exists()


@pytest.mark.django_db
class TestFailures:
    def test_a_failed_renewal_is_past_due_with_grace_and_a_dunning_email(
        self, plan, subscriber, settings, django_capture_on_commit_callbacks
    ):
        settings.SUBSCRIPTION_GRACE_DAYS = 5
        first = timezone.now() - timedelta(days=31)
        subscription = paid_subscription(subscriber, plan, created=first)
        failed_at = subscription.current_period_end
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            send(subscription, "subscription.payment_failed", created=failed_at)

        assert subscription.status == "past_due"
        assert subscription.grace_until == failed_at + timedelta(days=5)
        # The paid period is over, but the grace period keeps the courses open.
        assert subscriptions.has_access(subscription)
        assert subscriptions.access_until(subscription) == subscription.grace_until
        assert [(m.to, m.subject) for m in mail.outbox] == [
            (["sub@example.com"], "[Agora] Your subscription payment failed")
        ]

    def test_each_retry_failing_sends_another_dunning_email(
        self, plan, subscriber, django_capture_on_commit_callbacks
    ):
        subscription = paid_subscription(subscriber, plan)
        mail.outbox.clear()
        now = timezone.now()

        with django_capture_on_commit_callbacks(execute=True):
            send(subscription, "subscription.payment_failed", created=now + timedelta(seconds=1))
            send(subscription, "subscription.payment_failed", created=now + timedelta(days=2))

        assert subscription.dunning_emails_sent == 2
        assert len(mail.outbox) == 2
        # The grace period runs from the first failure.
        assert subscription.grace_until.date() == (now + timedelta(days=7)).date()

    def test_a_payment_in_the_grace_period_makes_it_active_again(self, plan, subscriber):
        subscription = paid_subscription(subscriber, plan)
        now = timezone.now()
        send(subscription, "subscription.payment_failed", created=now + timedelta(seconds=1))

        send(subscription, "subscription.renewed", created=now + timedelta(seconds=2))

        assert subscription.status == "active"
        assert subscription.grace_until is None
        assert subscription.paid_periods == 2

    def test_a_failure_older_than_the_last_payment_changes_nothing(self, plan, subscriber):
        now = timezone.now()
        subscription = paid_subscription(subscriber, plan, created=now)

        outcome = send(
            subscription, "subscription.payment_failed", created=now - timedelta(minutes=5)
        )

        assert outcome == "ignored: a newer payment went through"
        assert subscription.status == "active"

    def test_an_older_payment_arriving_after_a_newer_failure_keeps_it_past_due(
        self, plan, subscriber
    ):
        now = timezone.now()
        subscription = paid_subscription(subscriber, plan, created=now - timedelta(days=40))
        send(subscription, "subscription.payment_failed", created=now)

        send(subscription, "subscription.renewed", created=now - timedelta(days=9))

        assert subscription.status == "past_due"
        assert subscription.paid_periods == 2

    def test_the_grace_period_ending_unpaid_expires_it_with_an_email(
        self, plan, subscriber, django_capture_on_commit_callbacks
    ):
        first = timezone.now() - timedelta(days=45)
        subscription = paid_subscription(subscriber, plan, created=first)
        send(subscription, "subscription.payment_failed", created=subscription.current_period_end)
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            counts = subscription_events.settle_subscriptions()

        subscription.refresh_from_db()
        assert counts == {"canceled": 0, "expired": 1, "reminded": 0}
        assert subscription.status == "expired"
        assert not subscriptions.has_access(subscription)
        assert [m.subject for m in mail.outbox] == ["[Agora] Your subscription has expired"]

    def test_settle_runs_missed_while_the_broker_or_workers_were_down_lose_nothing(
        self, plan, subscriber, django_capture_on_commit_callbacks
    ):
        # Hours without the 15-minute job: one subscription's grace ran out, another's
        # canceled period ended. Access ended on time all the same (it is read by the clock).
        lapsed = paid_subscription(subscriber, plan, created=timezone.now() - timedelta(days=45))
        send(lapsed, "subscription.payment_failed", created=lapsed.current_period_end)
        other = UserFactory(email="other-sub@example.com")
        canceled = paid_subscription(other, plan, created=timezone.now() - timedelta(days=40))
        subscriptions.cancel(user=other)
        for subscription in (lapsed, canceled):
            subscription.refresh_from_db()
            assert not subscriptions.has_access(subscription)
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            first = subscription_events.settle_subscriptions()  # the workers are back
        with django_capture_on_commit_callbacks(execute=True):
            again = subscription_events.settle_subscriptions()

        assert first == {"canceled": 1, "expired": 1, "reminded": 0}
        assert again == {"canceled": 0, "expired": 0, "reminded": 0}
        lapsed.refresh_from_db()
        canceled.refresh_from_db()
        assert (lapsed.status, canceled.status) == ("expired", "canceled")
        assert [m.subject for m in mail.outbox] == ["[Agora] Your subscription has expired"]

    def test_a_failed_first_payment_leaves_it_awaiting_payment(self, plan, subscriber):
        subscription = start(subscriber, plan)

        send(subscription, "subscription.payment_failed")

        assert subscription.status == "incomplete"
        assert not subscriptions.has_access(subscription)


@pytest.mark.django_db
class TestProviderCancel:
    def test_canceled_by_the_provider_keeps_the_paid_period(self, plan, subscriber):
        subscription = paid_subscription(subscriber, plan)

        send(subscription, "subscription.canceled")

        assert subscription.status == "canceled"
        assert subscriptions.has_access(subscription)
        assert subscriptions.access_until(subscription) == subscription.current_period_end

    def test_a_renewal_after_the_cancel_still_buys_its_period(self, plan, subscriber):
        subscription = paid_subscription(subscriber, plan)
        send(subscription, "subscription.canceled")

        send(subscription, "subscription.renewed")

        assert subscription.status == "canceled"
        assert subscription.paid_periods == 2

    def test_canceled_while_past_due_expires_it(self, plan, subscriber):
        subscription = paid_subscription(subscriber, plan)
        later = timezone.now() + timedelta(seconds=5)
        send(subscription, "subscription.payment_failed", created=later)
        assert subscription.status == "past_due"

        send(subscription, "subscription.canceled")

        assert subscription.status == "expired"
        assert subscriptions.access_until(subscription) == subscription.current_period_end


@pytest.mark.django_db
class TestDemoPayPage:
    def test_paying_on_the_page_activates_the_subscription(
        self, plan, subscriber, django_capture_on_commit_callbacks
    ):
        subscription = start(subscriber, plan)
        browser = client_for(subscriber)
        page = browser.get(subscription.checkout_url.removeprefix("http://testserver"))
        assert page.status_code == 200
        assert b"15.00" in page.content
        assert b"Decline the card" in page.content

        with django_capture_on_commit_callbacks(execute=True):
            response = browser.post(
                f"/pay/demo/{subscription.provider_subscription_id}/", {"outcome": "succeed"}
            )

        assert response.status_code == 200
        subscription.refresh_from_db()
        assert subscription.status == "active"
        assert PaymentEvent.objects.get().type == "subscription.renewed"

    def test_an_unknown_subscription_page_is_404(self, subscriber):
        assert client_for(subscriber).get("/pay/demo/demo_sub_nothing/").status_code == 404


@pytest.mark.django_db(transaction=True)
class TestRaces:
    def test_one_renewal_delivered_twice_at_once_extends_once(self, plan):
        subscriber = UserFactory()
        subscription = paid_subscription(subscriber, plan)
        from agora.commerce.providers import demo

        body = demo.subscription_event_body(
            event_type="subscription.renewed",
            subscription_id=subscription.provider_subscription_id,
            amount=1500,
            currency="USD",
            event_id="evt_twice",
        )

        def deliver():
            event = payments.receive_webhook(
                provider_name="demo", body=body, headers={demo.SIGNATURE_HEADER: demo.sign(body)}
            )
            return payments.process_event(event_id=event.pk)

        results = run_at_once([deliver, deliver])

        assert all(isinstance(result, str) for result in results), results
        subscription.refresh_from_db()
        assert subscription.paid_periods == 2
        assert SubscriptionPayment.objects.count() == 2
        assert ledger.invariant_problems() == []

    def test_two_events_for_one_invoice_at_once_pay_once(self, plan):
        subscriber = UserFactory()
        subscription = paid_subscription(subscriber, plan)
        events = [
            receive(subscription, "subscription.renewed", invoice_id="in_same") for _ in range(2)
        ]

        results = run_at_once([lambda e=e: payments.process_event(event_id=e.pk) for e in events])

        assert sorted(results) == [
            "ignored: this payment is recorded already",
            "payment recorded: 2 period(s) paid, active",
        ]
        assert ledger.invariant_problems() == []

    def test_cancel_racing_a_renewal_ends_canceled_with_the_renewal_counted(self, plan):
        subscriber = UserFactory()
        subscription = paid_subscription(subscriber, plan)
        renewal = receive(subscription, "subscription.renewed")
        cancel = receive(subscription, "subscription.canceled")

        results = run_at_once(
            [
                lambda: payments.process_event(event_id=renewal.pk),
                lambda: payments.process_event(event_id=cancel.pk),
            ]
        )

        assert all(isinstance(result, str) for result in results), results
        subscription.refresh_from_db()
        assert (subscription.status, subscription.paid_periods) == ("canceled", 2)
        assert SubscriptionPayment.objects.count() == 2
        assert ledger.invariant_problems() == []

    def test_a_learner_canceling_while_a_renewal_lands_keeps_both(self, plan):
        subscriber = UserFactory()
        subscription = paid_subscription(subscriber, plan)
        renewal = receive(subscription, "subscription.renewed")

        results = run_at_once(
            [
                lambda: payments.process_event(event_id=renewal.pk),
                lambda: subscriptions.cancel(user=subscriber),
            ]
        )

        assert not any(isinstance(result, Exception) for result in results), results
        subscription = Subscription.objects.get(pk=subscription.pk)
        assert subscription.cancel_at_period_end is True
        assert subscription.paid_periods == 2
        assert subscription.status == "active"
