"""The messages a person sent, in their data export. On erasure they stay in the others'
conversations, signed by the anonymised account (like reviews and answers)."""

from typing import Any

from agora.accounts.models import User
from agora.messaging.models import Message


def export_messages(user: User) -> list[dict[str, Any]]:
    rows = Message.objects.filter(sender=user, removed_at__isnull=True).order_by("pk")
    return [
        {"conversation": row.conversation_id, "body": row.body, "at": row.created_at.isoformat()}
        for row in rows
    ]


def keep_messages_on_erasure(user: User) -> None:
    """Kept: they belong to the other people's conversations too."""
