"""What a socket may ask for: each app registers the frame types it answers.

A handler runs in a worker thread with the signed-in user and the frame, may raise a
DomainError (the socket gets an `error` frame with its code), and returns the reply frame or
None. Apps register theirs in `AppConfig.ready`, so this module knows no app above it.
"""

import logging
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async

from agora.accounts.models import User

logger = logging.getLogger(__name__)

Frame = dict[str, Any]
Handler = Callable[[User, Frame], Frame | None]

_handlers: dict[str, Handler] = {}


def register(frame_type: str, handler: Handler) -> None:
    if frame_type in _handlers and _handlers[frame_type] is not handler:
        raise ValueError(f"A handler for {frame_type!r} is already registered.")
    _handlers[frame_type] = handler


def handler_for(frame_type: str) -> Handler | None:
    return _handlers.get(frame_type)


def frame_types() -> list[str]:
    return sorted(_handlers)


# What happens when a signed-in socket opens, shows it is alive (ping) or closes: presence.
Hook = Callable[[User], None]
_hooks: dict[str, list[Hook]] = {"connect": [], "activity": [], "disconnect": []}


def on(event: str, hook: Hook) -> None:
    if hook not in _hooks[event]:
        _hooks[event].append(hook)


async def run_hooks(event: str, user: User) -> None:
    for hook in _hooks[event]:
        try:
            await database_sync_to_async(hook)(user)
        except Exception:  # presence is a nicety: it never closes a socket
            logger.warning("live %s hook failed", event, exc_info=True)
