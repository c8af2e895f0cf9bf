"""The user behind an access token, read from the shared cache instead of the database.

Every API request with a token needs its user (active? the token's auth hash still theirs?).
The row is cached for AUTH_USER_CACHE_SECONDS and dropped whenever it is saved or deleted
(`User.save`), at once and again when the transaction commits, so that a suspension, a new
password or a new role counts from the next request. The cache going away only means the
database is asked, as before.
"""

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

if TYPE_CHECKING:
    from agora.accounts.models import User

logger = logging.getLogger(__name__)


UNREAD = object()


def key(user_id: int) -> str:
    return f"accounts:user:{user_id}"


def active_user(user_id: int, cached: object = UNREAD) -> "User | None":
    """The active user, from the cache (`cached`: what the caller already read at `key`)
    or else the database."""
    from agora.accounts.models import User

    found = cached
    if found is UNREAD:
        try:
            found = cache.get(key(user_id))
        except Exception:  # any cache backend's connection error: the database answers
            found = None
    if isinstance(found, User):
        return found if found.is_active else None
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        try:
            cache.set(key(user_id), user, timeout=settings.AUTH_USER_CACHE_SECONDS)
        except Exception:  # any cache backend's connection error
            logger.debug("could not cache user %s: the cache is unavailable", user_id)
    return user if user is not None and user.is_active else None


def forget(user_id: int) -> None:
    """Drops the cached row now and once the current transaction (if any) commits: a request
    that read the old row meanwhile cannot leave it behind."""
    name = key(user_id)
    _delete(name)
    transaction.on_commit(lambda: _delete(name))


def _delete(key: str) -> None:
    # A cache that cannot be reached holds nothing it could serve meanwhile; what it held
    # before the outage expires within AUTH_USER_CACHE_SECONDS (hence a short default).
    try:
        cache.delete(key)
    except Exception:  # any cache backend's connection error
        logger.warning("could not drop the cached user %s: the cache is unavailable", key)
