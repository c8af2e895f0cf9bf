"""One rebuild of a missing cache entry at a time, across every process.

When a popular entry expires or is dropped (a course changed), every request that misses it
at that moment would rebuild it from the database at once: a stampede. `single_flight`
lets the first caller rebuild while holding a short lock in the shared cache; the others
wait for the entry to appear and answer from it. Nobody waits forever: once the lock is
gone (released, or expired because its holder died) or the wait is over, a caller that
still finds nothing builds the answer itself. Without a working cache (an outage: `add`
answers False and `get` misses) everyone builds, as with no cache at all.

A build may return what it made wrapped in `Keep`, with the cache entries to store: they are
then stored in the round trip that releases the lock (on Redis), instead of one each.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.cache import cache

T = TypeVar("T")


@dataclass(frozen=True)
class Keep(Generic[T]):
    """A build's answer, and the entries to store for it (for `seconds`)."""

    value: T
    entries: dict[str, Any]
    seconds: int


LOCK_SECONDS = 10  # longer than any rebuild; a crashed holder's lock expires by itself
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.01


def single_flight(
    key: str,
    *,
    load: Callable[[], T | None],
    build: Callable[[], T | Keep[T]],
    wait_seconds: float = WAIT_SECONDS,
    missed: bool = False,
    locked: bool = False,
) -> T:
    """`load()`'s value, or else `build()`'s; `build` stores what it makes (`load` finds it
    then) and may also return an answer that is never stored (a draft), which the waiting
    callers then build for themselves. `missed`: the caller has just looked and found
    nothing, so the first look is skipped (a round trip fewer). `locked`: the caller took
    the lock (`lock_key(key)`, for LOCK_SECONDS) as it looked, and it is released here."""
    found = None if missed or locked else load()
    if found is not None:
        return found
    lock = lock_key(key)
    if locked or cache.add(lock, 1, timeout=LOCK_SECONDS):
        kept: Keep[T] | None = None
        try:
            built = build()
            if isinstance(built, Keep):
                kept, built = built, built.value
            return built
        finally:
            _store_and_release(kept, lock)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        found = load()
        if found is not None:
            return found
        if cache.get(lock) is None:  # the builder is done and stored nothing for us
            break
    found = load()
    if found is not None:
        return found
    built = build()
    if isinstance(built, Keep):
        cache.set_many(built.entries, timeout=built.seconds)
        return built.value
    return built


def lock_key(key: str) -> str:
    """The cache key of the lock held while `key`'s entry is rebuilt."""
    return f"single-flight:{key}"


def _store_and_release(kept: Keep[Any] | None, lock: str) -> None:
    if kept is not None and hasattr(cache, "set_many_and_delete"):
        cache.set_many_and_delete(kept.entries, kept.seconds, [lock])  # one round trip
        return
    if kept is not None:
        cache.set_many(kept.entries, timeout=kept.seconds)
    cache.delete(lock)
