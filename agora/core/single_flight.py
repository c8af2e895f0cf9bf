"""One rebuild of a missing cache entry at a time, across every process.

When a popular entry expires or is dropped (a course changed), every request that misses it
at that moment would rebuild it from the database at once: a stampede. `single_flight`
lets the first caller rebuild while holding a short lock in the shared cache; the others
wait for the entry to appear and answer from it. Nobody waits forever: once the lock is
gone (released, or expired because its holder died) or the wait is over, a caller that
still finds nothing builds the answer itself. Without a working cache (an outage: `add`
answers False and `get` misses) everyone builds, as with no cache at all.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

LOCK_SECONDS = 10  # longer than any rebuild; a crashed holder's lock expires by itself
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.01


def single_flight(
    key: str,
    *,
    load: Callable[[], T | None],
    build: Callable[[], T],
    wait_seconds: float = WAIT_SECONDS,
    missed: bool = False,
) -> T:
    """`load()`'s value, or else `build()`'s; `build` stores what it makes (`load` finds it
    then) and may also return an answer that is never stored (a draft), which the waiting
    callers then build for themselves. `missed`: the caller has just looked and found
    nothing, so the first look is skipped (a round trip fewer)."""
    found = None if missed else load()
    if found is not None:
        return found
    lock = f"single-flight:{key}"
    if cache.add(lock, 1, timeout=LOCK_SECONDS):
        try:
            return build()
        finally:
            cache.delete(lock)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        found = load()
        if found is not None:
            return found
        if cache.get(lock) is None:  # the builder is done and stored nothing for us
            break
    return load() or build()
