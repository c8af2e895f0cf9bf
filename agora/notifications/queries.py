"""Reads of a person's notifications and choices; nobody reads another's."""

from typing import Any

from django.db.models import Count, QuerySet

from agora.accounts.models import User
from agora.notifications.kinds import KINDS, NotificationKind
from agora.notifications.models import Mailbox, Notification, NotificationPreference


def for_user(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """What the bell and /notifications/ list: newest first."""
    rows = Notification.objects.filter(user=user, in_app=True)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    """Unread counts of several people in one query (people with none are left out)."""
    if not user_ids:
        return {}
    rows = (
        Notification.objects.filter(user_id__in=user_ids, in_app=True, read_at__isnull=True)
        .values("user_id")
        .annotate(unread=Count("id"))
        .order_by()
    )
    return {row["user_id"]: row["unread"] for row in rows}


def preferences(user: User) -> dict[str, dict[str, bool]]:
    """Every kind with the person's choice (the kind's default where they made none)."""
    chosen = {
        row.kind: {"in_app": row.in_app, "email": row.email}
        for row in NotificationPreference.objects.filter(user=user)
    }
    return {
        kind.value: chosen.get(kind.value, {"in_app": info.in_app, "email": info.email})
        for kind, info in KINDS.items()
    }


def preference(user: User, kind: NotificationKind) -> tuple[bool, bool]:
    row = NotificationPreference.objects.filter(user=user, kind=kind).first()
    if row is not None:
        return row.in_app, row.email
    info = KINDS[kind]
    return info.in_app, info.email


def preferences_for(users: list[User], kind: NotificationKind) -> dict[int, tuple[bool, bool]]:
    """(in_app, email) for `kind` of each of these people, in one query."""
    info = KINDS[kind]
    chosen = {
        user_id: (in_app, email)
        for user_id, in_app, email in NotificationPreference.objects.filter(
            user__in=users, kind=kind
        ).values_list("user_id", "in_app", "email")
    }
    return {user.pk: chosen.get(user.pk, (info.in_app, info.email)) for user in users}


def email_wanted(user: User) -> set[str]:
    """The kinds the person wants email about now."""
    return {kind for kind, choice in preferences(user).items() if choice["email"]}


def export_notifications(user: User) -> list[dict[str, Any]]:
    return [
        {
            "kind": n.kind,
            "title": n.title,
            "body": n.body,
            "url": n.url,
            "created_at": n.created_at.isoformat(),
            "read_at": n.read_at.isoformat() if n.read_at else None,
        }
        for n in Notification.objects.filter(user=user).order_by("created_at", "id")
    ]


def erase_for(user: User) -> None:
    """Erasure: what the person was told about goes with them."""
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    Mailbox.objects.filter(user=user).delete()
