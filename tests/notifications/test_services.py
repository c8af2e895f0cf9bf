from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agora.core.models import Job
from agora.notifications import queries, services
from agora.notifications.kinds import NotificationKind
from agora.notifications.models import Mailbox, Notification
from tests.accounts.factories import UserFactory
from tests.live.listening import frames_during
from tests.notifications.factories import told

pytestmark = pytest.mark.django_db


def email_jobs():
    return list(
        Job.objects.filter(task="agora.notifications.tasks.send_notification_emails").order_by("id")
    )


class TestPreferences:
    def test_defaults_apply_until_the_person_chooses(self):
        user = UserFactory()
        assert queries.preferences(user)["sale"] == {"in_app": True, "email": True}
        assert queries.preferences(user)["badge_earned"] == {"in_app": True, "email": False}

    def test_in_app_off_keeps_the_bell_quiet_but_still_emails(
        self, django_capture_on_commit_callbacks
    ):
        user = UserFactory()
        services.set_preferences(user, {"sale": {"in_app": False}})

        with django_capture_on_commit_callbacks(execute=True):
            notification = services.notify(user, NotificationKind.SALE, title="New sale")

        assert notification is not None
        assert not notification.in_app
        assert queries.unread_count(user) == 0
        assert [m.subject for m in mail.outbox] == ["[Agora] New sale"]

    def test_both_off_records_nothing(self):
        user = UserFactory()
        services.set_preferences(user, {"sale": {"in_app": False, "email": False}})
        assert services.notify(user, NotificationKind.SALE, title="New sale") is None
        assert not Notification.objects.exists()

    def test_an_unknown_kind_is_refused_by_name(self):
        from agora.core.errors import InvalidInput

        with pytest.raises(InvalidInput) as refused:
            services.set_preferences(UserFactory(), {"sales": {"email": False}})
        assert refused.value.fields == {"kinds.sales": ["There is no such kind of notification."]}

    def test_a_link_off_the_site_is_dropped(self):
        user = UserFactory()
        assert told(user, url="https://evil.example/x").url == ""
        assert told(user, url="//evil.example/x").url == ""
        assert told(user, url="/courses/x/").url == "/courses/x/"


class TestEmailAndDigest:
    def test_the_first_email_goes_at_once_and_a_second_within_the_hour_waits_for_a_digest(
        self, django_capture_on_commit_callbacks
    ):
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            told(user, title="First")
        assert [m.subject for m in mail.outbox] == ["[Agora] First"]

        with django_capture_on_commit_callbacks(execute=False):
            told(user, title="Second")
            told(user, title="Third")
        digest_jobs = [job for job in email_jobs() if job.done_at is None]
        assert len(digest_jobs) == 1  # the third joined the scheduled digest
        mailbox = Mailbox.objects.get(user=user)
        assert mailbox.digest_due_at == mailbox.last_emailed_at + services.DIGEST_WINDOW
        # An early copy of the digest's job sends nothing.
        assert services.send_pending_emails(user.pk) == 0
        assert len(mail.outbox) == 1

        Mailbox.objects.filter(user=user).update(digest_due_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            assert services.send_pending_emails(user.pk) == 2
            assert services.send_pending_emails(user.pk) == 0  # run twice: nothing more
        assert len(mail.outbox) == 2
        digest = mail.outbox[1]
        assert digest.subject == "[Agora] 2 new notifications"
        assert "Second" in digest.body
        assert "Third" in digest.body
        assert not Notification.objects.filter(email_pending=True).exists()

    def test_an_hour_after_the_last_email_the_next_goes_at_once(
        self, django_capture_on_commit_callbacks
    ):
        user = UserFactory()
        Mailbox.objects.create(user=user, last_emailed_at=timezone.now() - timedelta(hours=2))
        with django_capture_on_commit_callbacks(execute=True):
            told(user, title="Later news")
        assert [m.subject for m in mail.outbox] == ["[Agora] Later news"]

    def test_every_email_carries_a_working_unsubscribe_link(
        self, django_capture_on_commit_callbacks, client
    ):
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            told(user, title="Sale", kind=NotificationKind.SALE)
        (email,) = mail.outbox
        link = email.extra_headers["List-Unsubscribe"].strip("<>")
        assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link in email.body
        assert queries.preference(user, NotificationKind.SALE) == (True, True)

        assert client.post(link.split("testserver")[-1].split("8000")[-1]).status_code == 200

        assert queries.preference(user, NotificationKind.SALE) == (True, False)

    def test_a_caller_that_sends_its_own_email_asks_for_in_app_only(self):
        user = UserFactory()
        told(user, email=False)
        assert email_jobs() == []

    def test_a_tampered_or_foreign_token_is_refused(self):
        user = UserFactory()
        token = services.unsubscribe_token(user, NotificationKind.SALE)
        assert services.read_unsubscribe_token(token) == (user, NotificationKind.SALE)
        assert services.read_unsubscribe_token(token[:-2] + "xx") is None
        assert services.read_unsubscribe_token("nonsense") is None


class TestLive:
    @pytest.mark.django_db(transaction=True)
    def test_a_notification_is_pushed_with_the_unread_count_once_committed(self):
        user = UserFactory()
        made = []

        heard = frames_during(
            lambda: made.append(told(user, title="Your course is live")), listen_to=[user.pk]
        )

        (frame,) = heard[user.pk]
        assert frame["type"] == "notification"
        assert frame["unread"] == 1
        assert frame["notification"]["id"] == made[0].pk
        assert frame["notification"]["title"] == "Your course is live"

    @pytest.mark.django_db(transaction=True)
    def test_marking_read_tells_the_other_tabs(self):
        user = UserFactory()
        first, second = told(user), told(user)

        heard = frames_during(lambda: services.mark_read(user, [first.pk]), listen_to=[user.pk])

        assert heard[user.pk] == [{"type": "notification.read", "ids": [first.pk], "unread": 1}]
        second.refresh_from_db()
        assert second.read_at is None


def test_marking_read_never_touches_someone_elses():
    mine, theirs = UserFactory(), UserFactory()
    other = told(theirs)
    assert services.mark_read(mine, [other.pk]) == 0
    other.refresh_from_db()
    assert other.read_at is None


def test_erasure_and_export_cover_notifications():
    user = UserFactory()
    told(user, title="Kept in the export")
    assert queries.export_notifications(user)[0]["title"] == "Kept in the export"
    queries.erase_for(user)
    assert not Notification.objects.filter(user=user).exists()
