"""What the catalog's pages share: the visitor's key, paging, cached reads."""

from collections.abc import Callable
from typing import TypeVar, cast

from django.core.cache import cache
from django.http import HttpRequest

from agora.catalog import cache_keys


def visitor(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return str(request.user.pk)
    return f"ip:{getattr(request, 'client_ip', '') or request.META.get('REMOTE_ADDR', '')}"


def page_numbers(page: int, pages: int) -> list[int | None]:
    """Page links around the current one, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
    wanted = {1, pages, *range(page - 2, page + 3)}
    numbers = sorted(n for n in wanted if 1 <= n <= pages)
    out: list[int | None] = []
    for number in numbers:
        if out and out[-1] is not None and number - cast(int, out[-1]) > 1:
            out.append(None)
        out.append(number)
    return out


T = TypeVar("T")


def cached(key: str, build: Callable[[], T]) -> T:
    """A part of a public page, cached under the catalog's list version: any course change
    retires it (see cache_keys)."""
    return cast(T, cache.get_or_set(key, build, cache_keys.TTL_SECONDS))
