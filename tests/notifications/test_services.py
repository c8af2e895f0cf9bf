import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail, signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
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

    def test_a_digest_job_that_runs_before_its_time_leaves_a_job_for_then(
        self, django_capture_on_commit_callbacks
    ):
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            told(user, title="First")
        with django_capture_on_commit_callbacks(execute=True):
            told(user, title="Second")  # within the hour: a digest is due
        mailbox = Mailbox.objects.get(user=user)
        jobs_before = len(email_jobs())

        # The digest's job on a host whose clock is behind, or a late copy of the first job.
        assert services.send_pending_emails(user.pk) == 0

        (again,) = email_jobs()[jobs_before:]
        assert again.kwargs == {"user_id": user.pk}
        assert again.available_at >= mailbox.digest_due_at
        assert Notification.objects.get(title="Second").email_pending
        assert len(mail.outbox) == 1

    def test_an_overdue_digest_is_sent_by_the_next_notification(
        self, django_capture_on_commit_callbacks
    ):
        """A digest whose job failed for good does not hold the person's email forever."""
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            told(user, title="First")
        with django_capture_on_commit_callbacks(execute=True):
            told(user, title="Stuck in a digest")
        Mailbox.objects.filter(user=user).update(
            digest_due_at=timezone.now() - timedelta(minutes=5)
        )

        with django_capture_on_commit_callbacks(execute=True):
            told(user, title="Next")

        assert [m.subject for m in mail.outbox] == ["[Agora] First", "[Agora] 2 new notifications"]
        assert "Stuck in a digest" in mail.outbox[1].body
        assert "Next" in mail.outbox[1].body
        assert Mailbox.objects.get(user=user).digest_due_at is None

    def test_a_kind_stopped_before_the_digest_is_left_out_of_it(
        self, django_capture_on_commit_callbacks
    ):
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            told(user, title="First sale", kind=NotificationKind.SALE)
        with django_capture_on_commit_callbacks(execute=True):
            told(user, title="Second sale", kind=NotificationKind.SALE)
            told(user, title="A review", kind=NotificationKind.REVIEW_RECEIVED)
        # The first email's one-click link, used before the hour is over.
        services.unsubscribe(user, [NotificationKind.SALE])
        Mailbox.objects.filter(user=user).update(digest_due_at=timezone.now())

        with django_capture_on_commit_callbacks(execute=True):
            assert services.send_pending_emails(user.pk) == 1

        assert [m.subject for m in mail.outbox] == ["[Agora] First sale", "[Agora] A review"]
        second_sale = Notification.objects.get(title="Second sale")
        assert (second_sale.email_pending, second_sale.emailed_at) == (False, None)
        assert second_sale.in_app  # still on the bell

    def test_a_digest_of_several_kinds_stops_them_all_in_one_click(
        self, django_capture_on_commit_callbacks, client
    ):
        user = UserFactory()
        Mailbox.objects.create(user=user, last_emailed_at=timezone.now() - timedelta(minutes=10))
        with django_capture_on_commit_callbacks(execute=True):
            told(user, title="A sale", kind=NotificationKind.SALE)
            told(user, title="A review", kind=NotificationKind.REVIEW_RECEIVED)
        Mailbox.objects.filter(user=user).update(digest_due_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            assert services.send_pending_emails(user.pk) == 2
        (digest,) = mail.outbox
        one_click = digest.extra_headers["List-Unsubscribe"].strip("<>")
        assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # Each kind also has its own link in the body (signed with the moment it was made).
        links = re.findall(r"/notifications/unsubscribe/([^/\s]+)/", digest.body)
        named = [services.read_unsubscribe_token(token) for token in links]
        assert {(found[0], *found[1]) for found in named if len(found[1]) == 1} == {
            (user, NotificationKind.SALE),
            (user, NotificationKind.REVIEW_RECEIVED),
        }

        assert client.post(one_click.removeprefix(settings.SITE_URL)).status_code == 200

        chosen = queries.preferences(user)
        assert chosen["sale"]["email"] is False
        assert chosen["review_received"]["email"] is False
        assert chosen["refund"]["email"] is True

    def test_a_caller_that_sends_its_own_email_asks_for_in_app_only(self):
        user = UserFactory()
        told(user, email=False)
        assert email_jobs() == []

    def test_a_tampered_or_foreign_token_is_refused(self):
        user = UserFactory()
        token = services.unsubscribe_token(user, NotificationKind.SALE)
        assert services.read_unsubscribe_token(token) == (user, [NotificationKind.SALE])
        assert services.read_unsubscribe_token(token[:-2] + "xx") is None
        assert services.read_unsubscribe_token("nonsense") is None
        assert services.read_unsubscribe_token(services.unsubscribe_token(user)) is None
        # Signed for another purpose (the same secret, another salt): refused.
        other = signing.dumps({"u": user.pk, "k": ["sale"]}, salt="something.else")
        assert services.read_unsubscribe_token(other) is None
        forged_kind = signing.dumps({"u": user.pk, "k": ["gossip"]}, salt=services.UNSUBSCRIBE_SALT)
        assert services.read_unsubscribe_token(forged_kind) is None


class TestNotifyMany:
    def test_each_person_once_as_they_chose(self, django_capture_on_commit_callbacks):
        keen, quiet, email_only = UserFactory(), UserFactory(), UserFactory()
        services.set_preferences(quiet, {"announcement": {"in_app": False, "email": False}})
        services.set_preferences(email_only, {"announcement": {"in_app": False}})

        with django_capture_on_commit_callbacks(execute=True):
            count = services.notify_many(
                [keen, quiet, email_only, keen], NotificationKind.ANNOUNCEMENT, title="Live Q&A"
            )

        assert count == 2
        rows = Notification.objects.order_by("user_id")
        assert [(n.user_id, n.in_app) for n in rows] == [(keen.pk, True), (email_only.pk, False)]
        assert sorted(m.to[0] for m in mail.outbox) == sorted([keen.email, email_only.email])

    def test_the_queries_do_not_grow_with_the_audience(self):
        def announce(audience):
            with CaptureQueriesContext(connection) as queries_made:
                services.notify_many(
                    audience, NotificationKind.ANNOUNCEMENT, title="News", email=False
                )
            return len(queries_made)

        assert announce(UserFactory.create_batch(2)) == announce(UserFactory.create_batch(12))
        assert Notification.objects.count() == 14

    def test_a_large_audience_goes_in_batches(self, monkeypatch):
        monkeypatch.setattr(services, "BATCH_SIZE", 2)
        audience = UserFactory.create_batch(5)
        with CaptureQueriesContext(connection) as queries_made:
            told_count = services.notify_many(
                audience, NotificationKind.ANNOUNCEMENT, title="News", email=False
            )
        assert told_count == 5
        assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted(
            person.pk for person in audience
        )
        inserts = [q for q in queries_made if q["sql"].startswith('INSERT INTO "notifications')]
        assert len(inserts) == 3

    def test_nobody_to_tell_is_no_work(self):
        with CaptureQueriesContext(connection) as queries_made:
            assert services.notify_many([], NotificationKind.ANNOUNCEMENT, title="News") == 0
        assert len(queries_made) == 0

    @pytest.mark.django_db(transaction=True)
    def test_one_push_per_person_with_their_own_unread_count(self):
        first, second = UserFactory(), UserFactory()
        # Written directly: no frame of its own to wait for (the relay may deliver late).
        Notification.objects.create(user=second, kind=NotificationKind.SALE, title="Earlier")
        heard = frames_during(
            lambda: services.notify_many(
                [first, second], NotificationKind.ANNOUNCEMENT, title="Welcome"
            ),
            listen_to=[first.pk, second.pk],
        )

        for person, unread in ((first, 1), (second, 2)):
            (frame,) = heard[person.pk]
            assert frame["type"] == "notification"
            assert frame["notification"]["title"] == "Welcome"
            assert (
                frame["notification"]["id"]
                == Notification.objects.get(user=person, title="Welcome").pk
            )
            assert frame["unread"] == unread


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
    assert Mailbox.objects.filter(user=user).exists()
    queries.erase_for(user)
    assert not Notification.objects.filter(user=user).exists()
    assert not Mailbox.objects.filter(user=user).exists()
