"""Things that happened, told to the apps above the one where they happened.

An app announces an event with `emit("learning.lesson_completed", user=..., lesson=...)`
inside the transaction that made it true; apps above it that care register a listener in
their AppConfig.ready with `listen(name, fn)`. Listeners run at once, in that transaction:
what they write commits or rolls back with its cause, so nothing is counted for a change that
did not happen, nor lost for one that did. A listener's error fails the cause, so listeners do
little: they record rows (an XP award) and schedule the rest.

Each emitting app names its events in its own `events.py`; core knows no domain.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

Listener = Callable[..., None]
_listeners: dict[str, list[Listener]] = defaultdict(list)


def listen(name: str, listener: Listener) -> None:
    """Calls `listener(**data)` for every `emit(name, **data)`. Registering the same function
    twice (a reloaded app config) keeps one."""
    if listener not in _listeners[name]:
        _listeners[name].append(listener)


def emit(name: str, **data: Any) -> None:
    for listener in list(_listeners.get(name, ())):
        listener(**data)


def listeners_of(name: str) -> list[Listener]:
    """Who listens to `name` (for tests and for documentation)."""
    return list(_listeners.get(name, ()))
