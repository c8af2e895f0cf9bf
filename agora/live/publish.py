"""Pushing frames to people's open sockets.

Every socket of a signed-in user listens on that user's group, so "send to these users" is
the only way to reach a browser or an API client: a socket never hears anything addressed to
somebody else. Frames leave once the surrounding transaction commits (nothing is announced
that was rolled back) and pushing is best effort: the rows behind a frame (a notification, a
message) are the truth, and a client that missed a frame reads them when it reconnects.
"""

import asyncio
import json
import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)

# The message type the consumer handles (`LiveConsumer.live_frame`).
FRAME_EVENT = "live.frame"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def send_to_users(user_ids: Iterable[int], frame: dict[str, Any]) -> None:
    """Push `frame` to every open socket of these users once the transaction commits."""
    groups = sorted({user_group(user_id) for user_id in user_ids})
    if groups:
        # Frames cross processes (Redis, the database): only plain JSON values travel.
        plain = json.loads(json.dumps(frame, cls=DjangoJSONEncoder))
        transaction.on_commit(lambda: _send(groups, plain))


def send_to_user(user_id: int, frame: dict[str, Any]) -> None:
    send_to_users([user_id], frame)


def _send(groups: list[str], frame: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": FRAME_EVENT, "frame": frame}
    try:
        async_to_sync(group_send_many)(layer, groups, event)
    except Exception:  # a live push never breaks the change that caused it
        logger.warning("live push to %d group(s) failed", len(groups), exc_info=True)


SENDS_AT_ONCE = 50


async def group_send_many(layer: Any, groups: list[str], event: dict[str, Any]) -> None:
    """One send for many groups where the layer can (ours can), else one per group, several
    at a time (channels-redis: a course chat of 500 took 0.5 s one by one)."""
    send_many = getattr(layer, "group_send_many", None)
    if send_many is not None:
        await send_many(groups, event)
        return
    for start in range(0, len(groups), SENDS_AT_ONCE):
        batch = groups[start : start + SENDS_AT_ONCE]
        await asyncio.gather(*(layer.group_send(group, event) for group in batch))
