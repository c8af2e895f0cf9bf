"""Who is online now: a socket that opened or pinged in the last minute (the shared cache;
on the embedded default, the one web process's cache, which holds every socket)."""

from django.core.cache import cache

from agora.accounts.models import User

ONLINE_SECONDS = 60


def _key(user_id: int) -> str:
    return f"presence:{user_id}"


def touch(user: User) -> None:
    cache.set(_key(user.pk), 1, timeout=ONLINE_SECONDS)


def online_user_ids(user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    found = cache.get_many([_key(uid) for uid in user_ids])
    return {uid for uid in user_ids if _key(uid) in found}
