"""The second dunning email: SUBSCRIPTION_GRACE_REMINDER_DAYS before a past-due
subscription's grace period ends, sent once by the 15-minute settle job."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agora.commerce.services import subscription_events
from tests.accounts.factories import UserFactory
from tests.commerce.subscription_helpers import make_plan, paid_subscription, send
from tests.concurrency import run_at_once

REMINDER = "[Agora] Your subscription ends soon: the renewal is still unpaid"


@pytest.fixture
def past_due(db, settings):
    """A subscription whose renewal failed 4 days ago (grace 7 days: 3 left)."""
    settings.SUBSCRIPTION_GRACE_DAYS = 7
    settings.SUBSCRIPTION_GRACE_REMINDER_DAYS = 2
    now = timezone.now()
    subscription = paid_subscription(UserFactory(), make_plan(), created=now - timedelta(days=34))
    send(subscription, "subscription.payment_failed", created=now - timedelta(days=4))
    assert subscription.status == "past_due"
    mail.outbox.clear()
    return subscription


def settle(at, capture):
    with capture(execute=True):
        return subscription_events.settle_subscriptions(now=at)


@pytest.mark.django_db
class TestGraceReminder:
    def test_sent_once_two_days_before_the_end(self, past_due, django_capture_on_commit_callbacks):
        grace_until = past_due.grace_until
        early = grace_until - timedelta(days=2, minutes=1)
        assert settle(early, django_capture_on_commit_callbacks)["reminded"] == 0
        assert mail.outbox == []

        due = grace_until - timedelta(days=2)
        assert settle(due, django_capture_on_commit_callbacks)["reminded"] == 1
        assert [m.subject for m in mail.outbox] == [REMINDER]
        assert mail.outbox[0].to == [past_due.user.email]
        assert f"{grace_until:%Y}" in mail.outbox[0].body

        # Every later run of the job (each 15 minutes) sends nothing more.
        for minutes in (15, 30, 24 * 60):
            later = due + timedelta(minutes=minutes)
            assert settle(later, django_capture_on_commit_callbacks)["reminded"] == 0
        assert len(mail.outbox) == 1
        past_due.refresh_from_db()
        assert past_due.dunning_emails_sent == 2  # the failure's, and the reminder
        assert past_due.grace_reminder_for == grace_until

    def test_a_payment_before_it_means_no_reminder(
        self, past_due, django_capture_on_commit_callbacks
    ):
        grace_until = past_due.grace_until
        send(past_due, "subscription.renewed", created=timezone.now())
        assert past_due.status == "active"

        counts = settle(grace_until - timedelta(days=1), django_capture_on_commit_callbacks)

        assert counts["reminded"] == 0
        assert REMINDER not in [m.subject for m in mail.outbox]

    def test_a_new_grace_period_gets_its_own_reminder(
        self, past_due, django_capture_on_commit_callbacks
    ):
        first_grace = past_due.grace_until
        settle(first_grace - timedelta(days=1), django_capture_on_commit_callbacks)
        send(past_due, "subscription.renewed", created=timezone.now())
        later_failure = timezone.now() + timedelta(seconds=1)
        send(past_due, "subscription.payment_failed", created=later_failure)
        assert past_due.grace_until > first_grace

        settle(past_due.grace_until - timedelta(days=1), django_capture_on_commit_callbacks)

        assert [m.subject for m in mail.outbox].count(REMINDER) == 2

    @pytest.mark.parametrize("days", [0, 7, 9])
    def test_off_when_zero_or_not_shorter_than_the_grace_period(
        self, past_due, settings, days, django_capture_on_commit_callbacks
    ):
        settings.SUBSCRIPTION_GRACE_REMINDER_DAYS = days

        counts = settle(
            past_due.grace_until - timedelta(hours=1), django_capture_on_commit_callbacks
        )

        assert counts["reminded"] == 0
        assert mail.outbox == []

    def test_an_ended_grace_period_expires_rather_than_reminds(
        self, past_due, django_capture_on_commit_callbacks
    ):
        counts = settle(past_due.grace_until, django_capture_on_commit_callbacks)

        assert counts == {"canceled": 0, "expired": 1, "reminded": 0}


@pytest.mark.django_db(transaction=True)
def test_two_job_runs_at_once_remind_once(settings):
    settings.SUBSCRIPTION_GRACE_DAYS = 7
    settings.SUBSCRIPTION_GRACE_REMINDER_DAYS = 2
    now = timezone.now()
    subscription = paid_subscription(UserFactory(), make_plan(), created=now - timedelta(days=34))
    send(subscription, "subscription.payment_failed", created=now - timedelta(days=4))
    at = subscription.grace_until - timedelta(days=1)

    results = run_at_once([lambda: subscription_events.settle_subscriptions(now=at)] * 2)

    assert sorted(result["reminded"] for result in results) == [0, 1], results
    subscription.refresh_from_db()
    assert subscription.dunning_emails_sent == 2
