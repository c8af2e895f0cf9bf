"""Rate limits on the shared cache (Redis in production), through django-ratelimit.

Counters live in fixed windows, so every limit lifts by itself when its window ends: nobody is
locked out for good.
"""

import logging
from dataclasses import dataclass

from django.http import HttpRequest
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from agora.core.errors import RateLimited
from agora.core.network import address_bucket

logger = logging.getLogger(__name__)

# What an unreachable cache raises: socket errors (memcached, and most clients), Redis errors.
CACHE_ERRORS: tuple[type[Exception], ...] = (OSError, RedisError)


@dataclass(frozen=True)
class Usage:
    count: int
    limit: int
    retry_after: int

    @property
    def is_exhausted(self) -> bool:
        return self.count >= self.limit


def usage(
    request: HttpRequest, *, group: str, key: str, rate: str, increment: bool
) -> Usage | None:
    """Read (and optionally count one more hit on) the counter `group`/`key`.

    Returns None when rate limiting is off or the cache cannot be reached: an unreachable
    cache must not take the whole site down with it.
    """
    try:
        result = get_usage(
            request, group=group, key=lambda _group, _request: key, rate=rate, increment=increment
        )
    except CACHE_ERRORS as exc:
        # django-ratelimit only survives DNS errors itself; a refused or timed-out
        # connection would otherwise turn every request into a 500.
        logger.warning("rate limit cache unavailable (%s); %s not enforced", exc, group)
        return None
    if result is None:
        return None
    if result["time_left"] < 0 and result["limit"] == 0:
        logger.warning("rate limit cache unavailable; %s not enforced", group)
        return None
    # django-ratelimit's window still counts at its last second (`time_left` 0): the counter
    # starts afresh one second after `time_left` runs out, which is what Retry-After promises.
    return Usage(
        count=int(result["count"]),
        limit=int(result["limit"]),
        retry_after=int(result["time_left"]) + 1,
    )


def hit(request: HttpRequest, *, group: str, key: str, rate: str, message: str = "") -> None:
    """Count one request against the limit and refuse it (429) once the limit is passed."""
    current = usage(request, group=group, key=key, rate=rate, increment=True)
    if current is not None and current.count > current.limit:
        raise RateLimited(current.retry_after, message or None)


def hit_per_address(request: HttpRequest, *, group: str, rate: str, message: str = "") -> None:
    """`hit` keyed by the client's address (an IPv6 client by its /64)."""
    address = getattr(request, "client_ip", None) or request.META.get("REMOTE_ADDR", "")
    hit(request, group=group, key=address_bucket(address), rate=rate, message=message)
