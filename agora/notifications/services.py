"""Telling people things: one `notify` for every app.

A notification is a row (the bell, /notifications/, the API) pushed live to the person's
open sockets once the change that caused it commits, and, if they want email for its kind,
an email. Emails are never more than one an hour per person: the first goes at once; what
arrives within the hour after it waits for a digest at the hour's end. A per-person mailbox
row, locked, decides which, so no notification is emailed twice or forgotten, whatever the
concurrency and however often a job runs.
"""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.core import jobs
from agora.core.errors import InvalidInput
from agora.core.mail import queue_email, render_email
from agora.live.publish import send_to_user
from agora.notifications import queries
from agora.notifications.kinds import KINDS, NotificationKind
from agora.notifications.models import Mailbox, Notification, NotificationPreference

DIGEST_WINDOW = timedelta(hours=1)
UNSUBSCRIBE_SALT = "agora.notifications.unsubscribe"
MAX_TITLE = 200
MAX_BODY = 2000
BATCH_SIZE = 500  # people per insert and per query in `notify_many`


def notify(
    user: User,
    kind: NotificationKind,
    *,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> Notification | None:
    """Tell `user` about something, as they chose for `kind`. `url` is a path on this site
    (where the notification leads). `email=False` when the caller already sends its own email
    for the event (a receipt, a certificate): the in-app notification is then all.
    Returns the row, or None when the person wants neither."""
    told = _tell([user], kind, title=title, body=body, url=url, email=email)
    return told[0] if told else None


def notify_many(
    users: Iterable[User],
    kind: NotificationKind,
    *,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> int:
    """The same news for many people (an announcement to a course): their choices read in
    one query, the rows written in one insert, one push per person. Returns how many were
    told (in the app, by email or both). A large audience goes in batches (bounded `IN`
    lists), all in one transaction."""
    people = list({user.pk: user for user in users}.values())
    told = 0
    if not people:
        return told
    with transaction.atomic():
        for start in range(0, len(people), BATCH_SIZE):
            batch = people[start : start + BATCH_SIZE]
            told += len(_tell(batch, kind, title=title, body=body, url=url, email=email))
    return told


def _tell(
    users: Iterable[User],
    kind: NotificationKind,
    *,
    title: str,
    body: str,
    url: str,
    email: bool,
) -> list[Notification]:
    if not url.startswith("/") or url.startswith("//"):
        url = ""
    people = list({user.pk: user for user in users}.values())  # each person once
    if not people:
        return []
    choices = queries.preferences_for(people, kind)
    rows: list[Notification] = []
    for person in people:
        wants_in_app, wants_email = choices[person.pk]
        wants_email = wants_email and email and bool(person.email) and person.is_active
        if wants_in_app or wants_email:
            rows.append(
                Notification(
                    user=person,
                    kind=kind,
                    title=title[:MAX_TITLE],
                    body=body[:MAX_BODY],
                    url=url[:500],
                    in_app=wants_in_app,
                    email_pending=wants_email,
                )
            )
    if not rows:
        return []
    with transaction.atomic():
        rows = Notification.objects.bulk_create(rows)
        _schedule_emails(sorted(row.user_id for row in rows if row.email_pending))
        in_app = [row for row in rows if row.in_app]
        unread = queries.unread_counts([row.user_id for row in in_app])
        for row in in_app:
            send_to_user(
                row.user_id,
                {
                    "type": "notification",
                    "notification": as_data(row),
                    "unread": unread.get(row.user_id, 0),
                },
            )
    return rows


def as_data(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
        "created_at": notification.created_at.isoformat(),
    }


def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Marks the person's notifications read (these ids, or all); others' ids change
    nothing. Returns the unread count, also pushed to their other tabs."""
    with transaction.atomic():
        rows = Notification.objects.filter(user=user, read_at__isnull=True)
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        rows.update(read_at=timezone.now())
        unread = queries.unread_count(user)
        send_to_user(user.pk, {"type": "notification.read", "ids": ids, "unread": unread})
    return unread


def set_preferences(user: User, changes: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
    """Partial changes: `{kind: {in_app?, email?}}`. An unknown kind is a 422 naming it."""
    unknown = [kind for kind in changes if kind not in NotificationKind.__members__.values()]
    if unknown:
        raise InvalidInput(
            fields={f"kinds.{kind}": ["There is no such kind of notification."] for kind in unknown}
        )
    current = queries.preferences(user)
    with transaction.atomic():
        for kind, choice in changes.items():
            merged = {**current[kind], **{k: bool(v) for k, v in choice.items() if v is not None}}
            NotificationPreference.objects.update_or_create(
                user=user,
                kind=kind,
                defaults={"in_app": merged["in_app"], "email": merged["email"]},
            )
    return queries.preferences(user)


# --- email ------------------------------------------------------------------------------------
def _locked_mailboxes(user_ids: list[int]) -> list[Mailbox]:
    """These people's mailbox rows (made if missing), locked for the rest of the transaction
    in user order, so two transactions locking overlapping sets cannot deadlock."""
    Mailbox.objects.bulk_create([Mailbox(user_id=uid) for uid in user_ids], ignore_conflicts=True)
    return list(
        Mailbox.objects.select_for_update().filter(user_id__in=user_ids).order_by("user_id")
    )


def _schedule_emails(user_ids: list[int]) -> None:
    """Each of these people has a new notification waiting for email: an email goes at once
    if the last was an hour ago or more, else a digest is due at the hour's end."""
    from agora.notifications.tasks import send_notification_emails

    if not user_ids:
        return
    now = timezone.now()
    for mailbox in _locked_mailboxes(user_ids):
        if mailbox.digest_due_at is not None:
            if mailbox.digest_due_at <= now:
                # Overdue (its job is late or failed for good): this job sends it instead.
                jobs.enqueue(send_notification_emails, user_id=mailbox.user_id)
            continue  # else it joins the digest already scheduled
        last = mailbox.last_emailed_at
        if last is None or now - last >= DIGEST_WINDOW:
            jobs.enqueue(send_notification_emails, user_id=mailbox.user_id)
            continue
        mailbox.digest_due_at = last + DIGEST_WINDOW
        mailbox.save(update_fields=["digest_due_at"])
        jobs.enqueue(
            send_notification_emails, delay=mailbox.digest_due_at - now, user_id=mailbox.user_id
        )


def send_pending_emails(user_id: int) -> int:
    """The job: one email with everything the person has pending (a single notification, or
    a digest). Safe to run twice: the second finds nothing pending. Returns how many it
    covered."""
    from agora.notifications.tasks import send_notification_emails

    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            return 0
        (mailbox,) = _locked_mailboxes([user.pk])
        now = timezone.now()
        if mailbox.digest_due_at is not None and mailbox.digest_due_at > now:
            # Not due yet: a late copy of an earlier job, or the digest's own job run early
            # (another host's clock). Either way a job is there when the digest is due.
            jobs.enqueue(
                send_notification_emails, delay=mailbox.digest_due_at - now, user_id=user.pk
            )
            return 0
        pending = list(
            Notification.objects.filter(user=user, email_pending=True).order_by("created_at", "id")
        )
        # What the person stopped since (an unsubscribe link, the settings) is not sent.
        wanted = queries.email_wanted(user) if user.is_active and user.email else set()
        dropped = [n.pk for n in pending if n.kind not in wanted]
        if dropped:
            Notification.objects.filter(pk__in=dropped).update(email_pending=False)
        pending = [n for n in pending if n.kind in wanted]
        mailbox.digest_due_at = None
        if not pending:
            mailbox.save(update_fields=["digest_due_at"])
            return 0
        _queue(user, pending)
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            email_pending=False, emailed_at=now
        )
        mailbox.last_emailed_at = now
        mailbox.save(update_fields=["digest_due_at", "last_emailed_at"])
    return len(pending)


def _queue(user: User, pending: list[Notification]) -> None:
    kinds = [NotificationKind(kind) for kind in sorted({n.kind for n in pending})]
    context = {
        "user": user,
        "notifications": [
            {
                "title": n.title,
                "body": n.body,
                "link": f"{settings.SITE_URL}{n.url}" if n.url else "",
                "kind_label": KINDS[NotificationKind(n.kind)].label,
            }
            for n in pending
        ],
        "unsubscribe_links": [
            {"label": KINDS[kind].label, "url": unsubscribe_url(user, kind)} for kind in kinds
        ],
        "settings_url": f"{settings.SITE_URL}{reverse('notification_settings')}",
        "is_digest": len(pending) > 1,
    }
    message = render_email("notifications/email/notifications", context)
    # One click (RFC 8058) stops every kind this email is about; the body links each alone.
    queue_email(
        to=user.email,
        subject=message["subject"],
        text=message["text"],
        html=message["html"],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url(user, *kinds)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def unsubscribe_token(user: User, *kinds: NotificationKind) -> str:
    payload = {"u": user.pk, "k": sorted(kind.value for kind in kinds)}
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user: User, *kinds: NotificationKind) -> str:
    path = reverse("notification_unsubscribe", kwargs={"token": unsubscribe_token(user, *kinds)})
    return f"{settings.SITE_URL}{path}"


def read_unsubscribe_token(token: str) -> tuple[User, list[NotificationKind]] | None:
    """Who and which kinds an unsubscribe link is for, or None for a forged or broken link.
    The links do not expire: an old email's link still works."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        named = payload["k"]
        kinds = [NotificationKind(k) for k in ([named] if isinstance(named, str) else named)]
        user = User.objects.filter(pk=int(payload["u"])).first()
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or not kinds:
        return None
    return user, kinds


def unsubscribe(user: User, kinds: list[NotificationKind]) -> None:
    """Turns email off for these kinds (the link in every email does it without a sign-in)."""
    set_preferences(user, {kind.value: {"email": False} for kind in kinds})
