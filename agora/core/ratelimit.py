"""Rate limits on the shared cache (Redis in production), through django-ratelimit.

Counters live in fixed windows, so every limit lifts by itself when its window ends: nobody is
locked out for good.
"""

import logging
from dataclasses import dataclass

from django.http import HttpRequest
from django_ratelimit.core import get_usage

from agora.core.errors import RateLimited

logger = logging.getLogger(__name__)


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
    result = get_usage(
        request, group=group, key=lambda _group, _request: key, rate=rate, increment=increment
    )
    if result is None:
        return None
    if result["time_left"] < 0 and result["limit"] == 0:
        logger.warning("rate limit cache unavailable; %s not enforced", group)
        return None
    return Usage(
        count=int(result["count"]), limit=int(result["limit"]), retry_after=result["time_left"]
    )


def hit(request: HttpRequest, *, group: str, key: str, rate: str, message: str = "") -> None:
    """Count one request against the limit and refuse it (429) once the limit is passed."""
    current = usage(request, group=group, key=key, rate=rate, increment=True)
    if current is not None and current.count > current.limit:
        raise RateLimited(current.retry_after, message or None)
