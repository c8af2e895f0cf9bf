"""What a socket may send about messages (registered with agora.live in apps.py)."""

from typing import Any

from agora.accounts.models import User
from agora.core.errors import InvalidInput
from agora.messaging import queries, services


def _conversation_id(frame: dict[str, Any]) -> int:
    value = frame.get("conversation_id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(fields={"conversation_id": ["Give the conversation's id."]})
    return value


def send_message(user: User, frame: dict[str, Any]) -> dict[str, Any]:
    """`message.send` → `message.ack` with the stored message (pushed to members too)."""
    conversation = queries.conversation_for(user, _conversation_id(frame))
    client_id = frame.get("client_id")
    body = frame.get("body")
    if not isinstance(body, str):
        raise InvalidInput(fields={"body": ["Write a message first."]})
    message, _ = services.send_message(
        user, conversation, body, client_id=client_id if isinstance(client_id, str) else ""
    )
    return {
        "type": "message.ack",
        "client_id": client_id,
        "message": queries.message_data(message),
    }


def typing(user: User, frame: dict[str, Any]) -> None:
    services.typing(user, queries.conversation_for(user, _conversation_id(frame)))


def read(user: User, frame: dict[str, Any]) -> None:
    message_id = frame.get("message_id")
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        raise InvalidInput(fields={"message_id": ["Give the id of the last message read."]})
    services.mark_read(user, queries.conversation_for(user, _conversation_id(frame)), message_id)
