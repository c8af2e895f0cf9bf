"""Keys of the cached public catalog answers, and how a change drops them.

Lists are keyed under a version number: bumping it retires every cached list at once.
A course's detail is keyed by its id and deleted when the course changes.
"""

import hashlib
import uuid

from django.core.cache import cache

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


def invalidate_lists() -> None:
    cache.set(LIST_VERSION_KEY, uuid.uuid4().hex[:12], timeout=None)


def invalidate_course(course_id: int) -> None:
    cache.delete(detail_key(course_id))
    invalidate_lists()
