"""Emails under races, on real threads and real transactions, on whichever database the
suite runs (SQLite here, PostgreSQL in CI): every notification is emailed exactly once."""

import pytest
from django.core import mail
from django.utils import timezone

from agora.notifications import services
from agora.notifications.kinds import NotificationKind
from agora.notifications.models import Mailbox, Notification
from tests.accounts.factories import UserFactory
from tests.concurrency import run_at_once
from tests.notifications.factories import told

pytestmark = pytest.mark.django_db(transaction=True)


def emailed_titles() -> list[str]:
    return sorted(
        line.removeprefix("* ")
        for message in mail.outbox
        for line in message.body.splitlines()
        if line.startswith("* ")
    )


def test_notifications_and_email_jobs_at_once_email_each_exactly_once(mailoutbox):
    user = UserFactory()
    titles = [f"News {n}" for n in range(4)]

    results = run_at_once(
        [lambda title=title: told(user, title=title) for title in titles]
        + [lambda: services.send_pending_emails(user.pk)] * 2
    )
    assert [r for r in results if isinstance(r, Exception)] == []
    # The hour ends: the digest's job (and copies of it) run at once.
    Mailbox.objects.filter(user=user, digest_due_at__isnull=False).update(
        digest_due_at=timezone.now()
    )
    results = run_at_once([lambda: services.send_pending_emails(user.pk)] * 3)
    assert [r for r in results if isinstance(r, Exception)] == []

    assert emailed_titles() == titles
    assert not Notification.objects.filter(email_pending=True).exists()
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 4


def test_announcements_to_overlapping_audiences_at_once_do_not_deadlock(mailoutbox):
    people = UserFactory.create_batch(4)
    results = run_at_once(
        [
            lambda: services.notify_many(people, NotificationKind.ANNOUNCEMENT, title="One"),
            lambda: services.notify_many(
                list(reversed(people)), NotificationKind.ANNOUNCEMENT, title="Two"
            ),
        ]
    )
    assert results == [4, 4]
    for person in people:
        titles = Notification.objects.filter(user=person).values_list("title", flat=True)
        assert sorted(titles) == ["One", "Two"]
