"""Keys of the cached public catalog answers, and how a change drops them.

Lists are keyed under a version number: bumping it retires every cached list at once.
A published course's detail is keyed by its id and deleted when the course changes; its slug
points to the id (an alias checked against the slug stored with the detail, so a renamed
course's old slug never answers).
"""

import hashlib
import uuid
from typing import Any

from django.core.cache import cache

from agora.core import read_ahead

LIST_VERSION_KEY = "catalog:list-version"
TTL_SECONDS = 300


def _list_version() -> str:
    version = cache.get(LIST_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex[:12]
        cache.add(LIST_VERSION_KEY, version, timeout=None)
        version = cache.get(LIST_VERSION_KEY, version)
    return str(version)


def list_key(kind: str, query_string: str) -> str:
    digest = hashlib.sha256(query_string.encode()).hexdigest()[:32]
    return f"catalog:{kind}:{_list_version()}:{digest}"


def detail_key(course_id: int) -> str:
    return f"catalog:course:{course_id}"


def detail_flight_key(key: str) -> str:
    """Names the rebuild of the detail `key` (an id or a slug) asks for."""
    return "catalog:course-build:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _slug_key(slug: str) -> str:
    return "catalog:course-slug:" + hashlib.sha256(slug.encode()).hexdigest()[:32]


def cached_detail(key: str) -> tuple[int, bytes, str] | None:
    """(id, JSON body, ETag) of the published course `key` names (id or slug), if cached."""
    by_id = key.isascii() and key.isdigit()
    course_id = int(key) if by_id else cache.get(_slug_key(key))
    if not isinstance(course_id, int):
        return None
    entry = _entry(cache.get(detail_key(course_id)))
    if entry is None or (not by_id and entry[2] != key):
        return None
    return course_id, entry[0], entry[1]


def _entry(value: object) -> tuple[bytes, str, str] | None:
    """A detail entry as stored: (JSON body, ETag, slug); None for anything else."""
    return value if isinstance(value, tuple) and len(value) == 3 else None


def cached_detail_marking_view(
    course_id: int, mark: str, mark_seconds: int, ahead: read_ahead.Found | None = None
) -> tuple[tuple[int, bytes, str] | None, bool | None]:
    """`cached_detail` of a course asked for by id, and whether this marked its visitor's
    view (`mark`, set when missing): in one round trip on Redis, or none when the rate-limit
    middleware did both already (`ahead`). The mark is None where the cache cannot do both
    at once (the caller marks the view itself then)."""
    marked: bool | None
    if ahead is not None:
        value, marked = ahead.value, ahead.added
    elif hasattr(cache, "get_and_add"):
        value, marked = cache.get_and_add(detail_key(course_id), mark, 1, mark_seconds)
    else:
        return cached_detail(str(course_id)), None
    entry = _entry(value)
    return (None if entry is None else (course_id, entry[0], entry[1])), marked


def detail_entries(*, course_id: int, slug: str, body: bytes, etag: str) -> dict[str, Any]:
    """What keeps a published course's public JSON (never a draft's: drafts are not cached),
    for TTL_SECONDS."""
    return {detail_key(course_id): (body, etag, slug), _slug_key(slug): course_id}


def invalidate_lists() -> None:
    cache.set(LIST_VERSION_KEY, uuid.uuid4().hex[:12], timeout=None)


def invalidate_course(course_id: int) -> None:
    cache.delete(detail_key(course_id))
    invalidate_lists()
