"""What a socket may ask for: each app registers the frame types it answers.

A handler runs in a worker thread with the signed-in user and the frame, may raise a
DomainError (the socket gets an `error` frame with its code), and returns the reply frame or
None. Apps register theirs in `AppConfig.ready`, so this module knows no app above it.
"""

from collections.abc import Callable
from typing import Any

from agora.accounts.models import User

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
