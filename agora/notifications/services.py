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
from django.db import IntegrityError, transaction
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
    if not url.startswith("/") or url.startswith("//"):
        url = ""
    wants_in_app, wants_email = queries.preference(user, kind)
    wants_email = wants_email and email and bool(user.email) and user.is_active
    if not (wants_in_app or wants_email):
        return None
    with transaction.atomic():
        notification = Notification.objects.create(
            user=user,
            kind=kind,
            title=title[:MAX_TITLE],
            body=body[:MAX_BODY],
            url=url[:500],
            in_app=wants_in_app,
            email_pending=wants_email,
        )
        if wants_email:
            _schedule_email(user)
        if wants_in_app:
            send_to_user(
                user.pk,
                {
                    "type": "notification",
                    "notification": as_data(notification),
                    "unread": queries.unread_count(user),
                },
            )
    return notification


def notify_many(
    users: Iterable[User],
    kind: NotificationKind,
    *,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> int:
    """The same news for many people (an announcement to a course): one transaction."""
    told = 0
    with transaction.atomic():
        for user in users:
            if notify(user, kind, title=title, body=body, url=url, email=email) is not None:
                told += 1
    return told


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
def _mailbox(user: User) -> Mailbox:
    """The person's mailbox row, locked for the rest of the transaction."""
    try:
        with transaction.atomic():
            Mailbox.objects.get_or_create(user=user)
    except IntegrityError:  # created by a concurrent transaction meanwhile
        pass
    return Mailbox.objects.select_for_update().get(user=user)


def _schedule_email(user: User) -> None:
    from agora.notifications.tasks import send_notification_emails

    mailbox = _mailbox(user)
    now = timezone.now()
    if mailbox.digest_due_at is not None:
        return  # a digest is already on its way: this one joins it
    if mailbox.last_emailed_at is None or now - mailbox.last_emailed_at >= DIGEST_WINDOW:
        jobs.enqueue(send_notification_emails, user_id=user.pk)
        return
    mailbox.digest_due_at = mailbox.last_emailed_at + DIGEST_WINDOW
    mailbox.save(update_fields=["digest_due_at"])
    jobs.enqueue(send_notification_emails, delay=mailbox.digest_due_at - now, user_id=user.pk)


def send_pending_emails(user_id: int) -> int:
    """The job: one email with everything the person has pending (a single notification, or
    a digest). Safe to run twice: the second finds nothing pending. Returns how many it
    covered."""
    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            return 0
        mailbox = _mailbox(user)
        now = timezone.now()
        if mailbox.digest_due_at is not None and mailbox.digest_due_at > now:
            return 0  # an early copy of the digest's job: the digest's own job sends it
        pending = list(
            Notification.objects.filter(user=user, email_pending=True).order_by("created_at", "id")
        )
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
    kinds = sorted({n.kind for n in pending})
    links = {kind: unsubscribe_url(user, NotificationKind(kind)) for kind in kinds}
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
            {"label": KINDS[NotificationKind(kind)].label, "url": links[kind]} for kind in kinds
        ],
        "settings_url": f"{settings.SITE_URL}{reverse('notification_settings')}",
        "is_digest": len(pending) > 1,
    }
    message = render_email("notifications/email/notifications", context)
    one_click = links[kinds[0]] if len(kinds) == 1 else context["settings_url"]
    queue_email(
        to=user.email,
        subject=message["subject"],
        text=message["text"],
        html=message["html"],
        headers={"List-Unsubscribe": f"<{one_click}>"}
        | ({"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"} if len(kinds) == 1 else {}),
    )


def unsubscribe_token(user: User, kind: NotificationKind) -> str:
    return signing.dumps({"u": user.pk, "k": kind.value}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user: User, kind: NotificationKind) -> str:
    path = reverse("notification_unsubscribe", kwargs={"token": unsubscribe_token(user, kind)})
    return f"{settings.SITE_URL}{path}"


def read_unsubscribe_token(token: str) -> tuple[User, NotificationKind] | None:
    """Who and what an unsubscribe link is for, or None for a forged or broken link. The
    links do not expire: an old email's link still works."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        kind = NotificationKind(payload["k"])
        user = User.objects.filter(pk=int(payload["u"])).first()
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None:
        return None
    return user, kind


def unsubscribe(user: User, kind: NotificationKind) -> None:
    """Turns email off for one kind (the link in every email does it without a sign-in)."""
    set_preferences(user, {kind.value: {"email": False}})
