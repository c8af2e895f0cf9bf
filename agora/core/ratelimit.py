"""Rate limits on the shared cache (Redis in production), through django-ratelimit.

Counters live in fixed windows, so every limit lifts by itself when its window ends: nobody is
locked out for good.

When the cache cannot be reached a limit either fails open (the request goes through: the
general API limits, so an outage does not take the site down) or closed (`fail_closed=True`:
503, for the limits that stand between a guesser and a password).
"""

import logging
from dataclasses import dataclass

from django.http import HttpRequest
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

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
    try:
        with raise_cache_errors():
            result = get_usage(
                request,
                group=group,
                key=lambda _group, _request: key,
                rate=rate,
                increment=increment,
            )
    except CACHE_ERRORS as exc:
        # django-ratelimit only survives DNS errors itself; a refused or timed-out
        # connection would otherwise turn every request into a 500.
        _cache_unavailable(group, fail_closed, exc)
        return None
    if result is None:
        return None
    if result["time_left"] < 0 and result["limit"] == 0:
        # django-ratelimit's answer when it could neither read nor count.
        _cache_unavailable(group, fail_closed, None)
        return None
    # django-ratelimit's window still counts at its last second (`time_left` 0): the counter
    # starts afresh one second after `time_left` runs out, which is what Retry-After promises.
    return Usage(
        count=int(result["count"]),
        limit=int(result["limit"]),
        retry_after=int(result["time_left"]) + 1,
    )


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
    if current is not None and current.count > current.limit:
        raise RateLimited(current.retry_after, message or None)


def hit_per_address(
    request: HttpRequest, *, group: str, rate: str, message: str = "", fail_closed: bool = False
) -> None:
    """`hit` keyed by the client's address (an IPv6 client by its /64)."""
    address = getattr(request, "client_ip", None) or request.META.get("REMOTE_ADDR", "")
    hit(
        request,
        group=group,
        key=address_bucket(address),
        rate=rate,
        message=message,
        fail_closed=fail_closed,
    )
