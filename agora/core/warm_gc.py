"""A warm web process's long-lived objects, kept out of Python's full garbage collections.

A process builds most of what it keeps for good while it answers its first requests: URL
patterns, the API's schemas and validators, templates, connections. Python's cyclic
collector walks every one of them again at each full collection, about 250,000 objects in a
worker, and the worker answers nothing meanwhile: 120 to 175 ms a pause on a two-core
machine (bench/README.md, "Reports answered ahead, timestamps read in C, a warm worker
frozen"). Once a worker has answered `GC_FREEZE_AFTER_REQUESTS` requests, it collects once
and moves everything still alive into the permanent generation (`gc.freeze()`), which the
collector no longer walks: a full collection then sees only what was made since.

What is frozen is never collected if it later becomes unreachable in a reference cycle
(plain reference counting still frees the rest): what can be lost that way is bounded by
what was alive at that moment, nearly all of which the process keeps for good anyway.
"""

import gc
import threading
from collections.abc import Callable, Iterable
from typing import Any

WsgiApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class FreezeWhenWarm:
    """The WSGI application, freezing what is alive after its first `after` requests (0:
    never)."""

    def __init__(self, application: WsgiApplication, after: int) -> None:
        self.application = application
        self.remaining = after
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.remaining > 0:
            self._count()
        return self.application(environ, start_response)

    def _count(self) -> None:
        with self._lock:
            if self.remaining <= 0:  # another thread got there first
                return
            self.remaining -= 1
            if self.remaining == 0:
                gc.collect()
                gc.freeze()
