"""Running functions at the same moment on real threads, each with its own connection."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_at_once(functions: list[Callable[[], Any]]) -> list[Any]:
    """Starts every function together (a barrier) and returns what each returned or
    raised, in order."""
    barrier = threading.Barrier(len(functions))
    results: list[Any] = [None] * len(functions)

    def runner(index: int, function: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = function()
        except Exception as exc:  # collected for the assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results
