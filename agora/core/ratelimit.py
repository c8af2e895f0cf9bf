"""Rate limits on the shared cache (Redis in production).

Counters live in fixed windows, so every limit lifts by itself when its window ends: nobody is
locked out for good. Windows and counter keys are django-ratelimit's (its `get_usage` reads
the same counts), but a hit costs one round trip to Redis (INCR and EXPIRE NX, pipelined:
`ResilientRedisCache.count_hit`) instead of django-ratelimit's `add` then Django's `incr`
(EXISTS, INCRBY): three. Other caches (the local-memory one in development) count with
`add` then `incr`, as before. A read without counting is one GET.

When the cache cannot be reached a limit either fails open (the request goes through: the
general API limits, so an outage does not take the site down) or closed (`fail_closed=True`:
503, for the limits that stand between a guesser and a password).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit import core as windows
from django_ratelimit.core import EXPIRATION_FUDGE, _get_window, _make_cache_key, _split_rate
from redis.exceptions import RedisError

from agora.core import read_ahead
from agora.core.cache import CacheUnavailable, raise_cache_errors
from agora.core.errors import RateLimited, ServiceUnavailable
from agora.core.network import address_bucket

logger = logging.getLogger(__name__)

# What an unreachable cache raises: socket errors (memcached, and most clients), Redis errors,
# and our own Redis backend's CacheUnavailable.
CACHE_ERRORS: tuple[type[Exception], ...] = (OSError, RedisError, CacheUnavailable)

UNAVAILABLE_MESSAGE = (
    "Signing in and resetting passwords are paused for a moment: the service that protects "
    "accounts from password guessing cannot be reached. Try again in a few seconds."
)


@dataclass(frozen=True)
class Usage:
    count: int
    limit: int
    retry_after: int

    @property
    def is_exhausted(self) -> bool:
        return self.count >= self.limit


def usage(
    request: HttpRequest,
    *,
    group: str,
    key: str,
    rate: str,
    increment: bool,
    fail_closed: bool = False,
) -> Usage | None:
    """Read (and optionally count one more hit on) the counter `group`/`key`.

    Returns None when rate limiting is off. When the cache cannot be reached it also returns
    None (the limit is not enforced: an unreachable cache must not take the whole site down
    with it), unless `fail_closed`, which raises ServiceUnavailable (503) instead.
    """
    if not settings.RATELIMIT_ENABLE:
        return None
    limit, period, window, counter = _counter(group, key, rate)
    try:
        with raise_cache_errors():
            if increment:
                count = _count_hit(counter, period + EXPIRATION_FUDGE)
            else:
                count = caches[settings.RATELIMIT_USE_CACHE].get(counter, 0)
    except CACHE_ERRORS as exc:
        # A refused or timed-out connection must not turn every request into a 500.
        _cache_unavailable(group, fail_closed, exc)
        return None
    if count is None:
        # Neither counted nor read: a cache that drops what it is sent.
        _cache_unavailable(group, fail_closed, None)
        return None
    return _usage(count, limit, window)


def _counter(group: str, key: str, rate: str) -> tuple[int, int, int, str]:
    """The limit, the period, the end of the current window, and the counter's key."""
    limit, period = _split_rate(rate)
    window = _get_window(key, period)
    return limit, period, window, _make_cache_key(group, window, rate, key, None)


def _usage(count: int, limit: int, window: int) -> Usage:
    # The window still counts at its last second (`time_left` 0): the counter starts afresh
    # one second after `time_left` runs out, which is what Retry-After promises.
    # The clock is the one the window was computed with (django-ratelimit's).
    now = int(windows.time.time())
    return Usage(count=int(count), limit=limit, retry_after=window - now + 1)


def hit_and_read(
    request: HttpRequest, *, group: str, key: str, rate: str, read_key: str
) -> tuple[Usage | None, Any]:
    """Counts one hit as `hit` does, without refusing (the caller does, with
    `refuse_over_limit`, once its own checks have spoken), and reads `read_key` from the
    default cache: `hits_and_read` with one limit."""
    (current,), value = hits_and_read(request, [(group, key, rate)], read_key=read_key)
    return current, value


def hits_and_read(
    request: HttpRequest,
    limits: Sequence[tuple[str, str, str]],
    *,
    read_key: str,
    ahead: read_ahead.ReadAhead | None = None,
) -> tuple[list[Usage | None], Any]:
    """Counts one hit on each (group, key, rate) of `limits` without refusing, and reads
    `read_key` from the default cache: in one round trip when the limits live there too and
    it is Redis (`ResilientRedisCache.count_hits_get_and_add`), else one call each. An API
    call with a token counts against its address's and its person's limits and reads its
    person's cached row at once, and what its view needs (`ahead`, kept on the request for
    the view: read_ahead.take). Fails open: a usage is None when the cache cannot be
    reached, and so is the value when it is missing."""
    store = _one_trip_store()
    if store is None:
        found = [
            usage(request, group=group, key=key, rate=rate, increment=True)
            for group, key, rate in limits
        ]
        try:
            return found, caches["default"].get(read_key)
        except CACHE_ERRORS:
            return found, None
    usages, values = _count_and_read(request, store, limits, [read_key], ahead)
    return usages, None if values is None else values[0]


def hit_per_address_reading_ahead(
    request: HttpRequest, *, group: str, rate: str, ahead: read_ahead.ReadAhead
) -> bool:
    """`hit_per_address`, with `ahead` read (and added) in the same round trip and kept on
    the request for its view (`read_ahead.take`). False, having done nothing, where one
    round trip cannot do both: the limits live elsewhere than the default cache, or it is
    not Redis; the caller counts as usual then. Fails open like `hit`. A request over the
    limit adds nothing (its view is neither marked nor counted) and is refused."""
    store = _one_trip_store()
    if store is None:
        return False
    (current,), _ = _count_and_read(
        request, store, [(group, address_key(request), rate)], [], ahead
    )
    refuse_over_limit(current)
    return True


def _one_trip_store() -> Any:
    """The cache that can count the limits and read the default cache's keys in one round
    trip: the default cache, when it holds the limits too and is Redis. None otherwise, or
    when rate limiting is off."""
    store: Any = caches[settings.RATELIMIT_USE_CACHE]
    if (
        not settings.RATELIMIT_ENABLE
        or settings.RATELIMIT_USE_CACHE != "default"
        or not hasattr(store, "count_hits_get_and_add")
    ):
        return None
    return store


def _count_and_read(
    request: HttpRequest,
    store: Any,
    limits: Sequence[tuple[str, str, str]],
    read_keys: list[str],
    ahead: read_ahead.ReadAhead | None,
) -> tuple[list[Usage | None], list[Any] | None]:
    """One round trip on Redis: the hits on `limits`, the values at `read_keys`, and what
    `ahead` asks for (kept on the request)."""
    counters = [_counter(group, key, rate) for group, key, rate in limits]
    keys = [*read_keys, ahead.read_key] if ahead else read_keys
    counts, values, added, locked = store.count_hits_get_and_add(
        [(counter, period + EXPIRATION_FUDGE, limit) for limit, period, _, counter in counters],
        keys,
        ahead.add if ahead else None,
        ahead.count_added if ahead else None,
        ahead.lock_missing if ahead else None,
    )
    if counts is None or values is None:
        _cache_unavailable(limits[0][0], False, None)
        return [None for _ in limits], None
    if ahead is not None:
        counted = bool(added and ahead.count_added and (values[-1] is not None or locked))
        read_ahead.keep(request, ahead, read_ahead.Found(values[-1], added, counted, locked))
    return [
        _usage(count, limit, window)
        for count, (limit, _, window, _) in zip(counts, counters, strict=True)
    ], values[: len(read_keys)]


def refuse_over_limit(current: Usage | None, message: str = "") -> None:
    if current is not None and current.count > current.limit:
        raise RateLimited(current.retry_after, message or None)


def _count_hit(counter: str, timeout: int) -> int | None:
    cache: Any = caches[settings.RATELIMIT_USE_CACHE]
    if hasattr(cache, "count_hit"):
        hits: int | None = cache.count_hit(counter, timeout)
        return hits
    if cache.add(counter, 1, timeout):
        return 1
    try:
        return int(cache.incr(counter))
    except ValueError:  # gone between add and incr, or a cache that stores nothing
        return None


def _cache_unavailable(group: str, fail_closed: bool, exc: Exception | None) -> None:
    # Our backend has already warned once for the outage; every request need not repeat it.
    level = logging.DEBUG if isinstance(exc, CacheUnavailable) else logging.WARNING
    if fail_closed:
        logger.log(level, "rate limit cache unavailable (%s); refusing %s", exc, group)
        raise ServiceUnavailable(UNAVAILABLE_MESSAGE) from exc
    logger.log(level, "rate limit cache unavailable (%s); %s not enforced", exc, group)


def hit(
    request: HttpRequest,
    *,
    group: str,
    key: str,
    rate: str,
    message: str = "",
    fail_closed: bool = False,
) -> None:
    """Count one request against the limit and refuse it (429) once the limit is passed."""
    current = usage(
        request, group=group, key=key, rate=rate, increment=True, fail_closed=fail_closed
    )
    refuse_over_limit(current, message)


def hit_per_address(
    request: HttpRequest, *, group: str, rate: str, message: str = "", fail_closed: bool = False
) -> None:
    """`hit` keyed by the client's address (an IPv6 client by its /64)."""
    hit(
        request,
        group=group,
        key=address_key(request),
        rate=rate,
        message=message,
        fail_closed=fail_closed,
    )


def address_key(request: HttpRequest) -> str:
    """What the per-address limits count a request under: its client's address, an IPv6
    client's /64."""
    address = getattr(request, "client_ip", None) or request.META.get("REMOTE_ADDR", "")
    return address_bucket(address)
