"""The Redis cache backend Agora uses in production: a Redis outage degrades, never fails.

When Redis cannot be reached, reads answer like a miss (the caller falls through to the
database), and writes and deletes are dropped. After a failure the process skips Redis for a
moment (a circuit breaker) so that every request does not wait out the socket timeout; then
one call tries again, and caching resumes by itself once Redis is back.

Code that must not carry on without the cache (login throttling: without its counters,
password guessing would be unlimited) asks to be told instead, inside `raise_cache_errors()`:
there every failure, and every call the breaker skips, raises `CacheUnavailable`.
"""

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Redis is down, unreachable, still loading its data, or a replica that cannot take writes
# during a failover. Other Redis errors (a wrong type, a bad command) are bugs and propagate.
UNREACHABLE: tuple[type[Exception], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    ReadOnlyError,
    OSError,
)

DEFAULT_BREAKER_SECONDS = 1.5


class CacheUnavailable(Exception):
    """The cache could not be reached, and the caller asked to know (`raise_cache_errors`)."""


_raise_errors: ContextVar[bool] = ContextVar("agora_cache_raise_errors", default=False)


@contextmanager
def raise_cache_errors() -> Iterator[None]:
    """Inside this block a degrading cache raises `CacheUnavailable` instead of acting as if
    it had missed. Per thread (a context variable): other requests keep degrading quietly."""
    token = _raise_errors.set(True)
    try:
        yield
    finally:
        _raise_errors.reset(token)


@dataclass
class CircuitBreaker:
    """One per process and Redis location, shared by the threads of the process (Django
    builds a cache backend per thread). After a failure, calls skip Redis for `open_seconds`;
    then a single call probes it while the others keep skipping."""

    open_seconds: float
    is_failing: bool = False
    open_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allows_call(self) -> bool:
        if not self.is_failing:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self.open_until:
                return False
            # This caller probes; the others skip until the probe has had its chance.
            self.open_until = now + self.open_seconds
            return True

    def record_failure(self) -> None:
        with self._lock:
            self.is_failing = True
            self.open_until = time.monotonic() + self.open_seconds

    def record_success(self) -> bool:
        """Closes the breaker; returns whether it was open (Redis has just come back)."""
        if not self.is_failing:
            return False
        with self._lock:
            was_failing, self.is_failing, self.open_until = self.is_failing, False, 0.0
        return was_failing


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location: str, open_seconds: float) -> CircuitBreaker:
    with _breakers_lock:
        breaker = _breakers.get(location)
        if breaker is None or breaker.open_seconds != open_seconds:
            breaker = _breakers[location] = CircuitBreaker(open_seconds=open_seconds)
        return breaker


# An API call's trip (ResilientRedisCache.count_hits_get_and_add). KEYS: the n counters, the
# m keys to read, then three more, '' when not asked for: the key to add, the hash to count
# the add in, and the lock to take when the last key read is missing. ARGV: n, m, each
# counter's seconds and limit, then the value to add, its seconds, the hash's field and the
# lock's seconds. Answers each counter's hits, each value read (nil when missing), 1 when the
# key was added and 1 when the lock was taken. Nothing is added or taken once a counter is
# over its limit: a refused call marks nothing. The add is counted only when the last key
# read was found (a course's view, when its public answer is cached: a published course,
# which a draft or a missing course is not); the lock is taken only when it was not (the
# answer is to be rebuilt: single_flight).
CALL_SCRIPT = """
local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])
local replies, within = {}, true
for i = 1, n do
    local hits = redis.call('INCR', KEYS[i])
    redis.call('EXPIRE', KEYS[i], ARGV[1 + 2 * i], 'NX')
    if hits > tonumber(ARGV[2 + 2 * i]) then within = false end
    replies[i] = hits
end
for j = 1, m do
    replies[n + j] = redis.call('GET', KEYS[n + j])
end
local add_key, hash, lock = KEYS[n + m + 1], KEYS[n + m + 2], KEYS[n + m + 3]
local base = 2 + 2 * n
local found = m > 0 and replies[n + m]
local added, locked = 0, 0
if lock ~= '' and within and not found then
    if redis.call('SET', lock, '1', 'EX', ARGV[base + 4], 'NX') then
        locked = 1
    end
end
if add_key ~= '' and within then
    if redis.call('SET', add_key, ARGV[base + 1], 'EX', ARGV[base + 2], 'NX') then
        added = 1
        if hash ~= '' and (found or locked == 1) then
            redis.call('HINCRBY', hash, ARGV[base + 3], 1)
        end
    end
end
replies[n + m + 1] = added
replies[n + m + 2] = locked
return replies
"""


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client makes a new redis-py client object for every cache call,
    and redis-py copies its table of ~160 response callbacks each time: about a fifth of a
    millisecond per call, several calls per request. A client object is safe to share
    between threads (connections come from its pool), so this keeps one per pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._scripts: dict[int, Any] = {}

    def call_script(self, client: Any, keys: list[Any], args: list[Any]) -> list[Any]:
        """CALL_SCRIPT on `client`: by its digest (EVALSHA), loaded again when Redis has
        forgotten it (redis-py's Script does that)."""
        script = self._scripts.get(id(client))
        if script is None:
            script = self._scripts[id(client)] = client.register_script(CALL_SCRIPT)
        return cast(list[Any], script(keys=keys, args=args))

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that treats an unreachable Redis as an empty cache.

    OPTIONS takes `breaker_seconds` (how long to skip Redis after a failure, default 1.5) on top
    of what Django's RedisCache takes; keep `socket_timeout` and `socket_connect_timeout` short.
    """

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        open_seconds = float(options.pop("breaker_seconds", DEFAULT_BREAKER_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self._location = server if isinstance(server, str) else ",".join(server)
        self._breaker = breaker_for(self._location, open_seconds)

    def _guarded(self, call: Callable[[], T], fallback: T) -> T:
        if not self._breaker.allows_call():
            if _raise_errors.get():
                raise CacheUnavailable(f"the cache at {self._location} is unreachable")
            return fallback
        try:
            result = call()
        except UNREACHABLE as exc:
            self._breaker.record_failure()
            logger.warning(
                "cache at %s unreachable (%s: %s); skipping it for %.1f s",
                self._location,
                type(exc).__name__,
                exc,
                self._breaker.open_seconds,
            )
            if _raise_errors.get():
                raise CacheUnavailable(f"the cache at {self._location} is unreachable") from exc
            return fallback
        if self._breaker.record_success():
            logger.warning("cache at %s reachable again", self._location)
        return result

    # Reads answer like a miss.
    def get(self, key: Any, default: Any | None = None, version: int | None = None) -> Any:
        return self._guarded(functools.partial(super().get, key, default, version), default)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        return self._guarded(functools.partial(super().get_many, keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(functools.partial(super().has_key, key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        value: int | None = self._guarded(
            functools.partial(super().incr, key, delta, version), None
        )
        if value is None:
            # What a cache says of a key it does not have.
            raise ValueError(f"Key {key!r} not found.")
        return value

    def count_hit(self, key: Any, timeout: int, version: int | None = None) -> int | None:
        """Adds one to the integer at `key` (created at 1 with `timeout` seconds to live; a
        later hit keeps the expiry) in one round trip: INCR and EXPIRE NX, pipelined. None
        when Redis cannot be reached. Django's `get` and `incr` read the same counter."""
        name = self.make_and_validate_key(key, version=version)

        def count() -> int:
            pipe = self._cache.get_client(name, write=True).pipeline(transaction=False)
            pipe.incr(name)
            pipe.expire(name, timeout, nx=True)
            hits, _ = pipe.execute()
            return int(hits)

        return self._guarded(count, None)

    def count_hits_get_and_add(
        self,
        counters: Sequence[tuple[Any, int, int]],
        read_keys: Sequence[Any],
        add: tuple[Any, Any, int] | None = None,
        count_added: tuple[str, str] | None = None,
        lock_missing: tuple[Any, int] | None = None,
        version: int | None = None,
    ) -> tuple[list[int] | None, list[Any] | None, bool | None, bool]:
        """One API call's round trip (a Lua script, `CALL_SCRIPT`): `count_hit` on each
        (key, timeout, limit) of `counters`, the values at `read_keys` (None for those
        missing) and, with `add` (key, value, timeout), that key set when it is missing (SET
        NX), unless a counter went over its limit. With `count_added` (a hash and a field,
        named as they are, outside this cache's keys), the add is also counted there (HINCRBY)
        when made and the last read key was found: an anonymous visitor's first view of a
        cached course is marked and counted in the trip that counts the call (read_ahead,
        view_counts). With `lock_missing` (key, timeout), that key is set as `add` would set
        it when the last read key was missing: the rebuild's lock (single_flight). The add
        is counted when that lock is taken too: its holder rebuilds the answer, and takes
        the count back if there turns out to be none.

        Answers the counts, the values, whether the add was made (None without `add`) and
        whether the lock was taken. (None, None, None, False) when Redis cannot be reached."""
        names = [(self.make_and_validate_key(key, version=version), t, n) for key, t, n in counters]
        read_names = [self.make_and_validate_key(key, version=version) for key in read_keys]
        serializer = cast(Any, self._cache)._serializer  # Django's, as `get`/`add` use it
        keys = [name for name, _, _ in names] + read_names
        args: list[Any] = [len(names), len(read_names)]
        for _, timeout, limit in names:
            args += [timeout, limit]
        if add is None:
            keys += ["", ""]
            args += ["", 0, ""]
        else:
            keys.append(self.make_and_validate_key(add[0], version=version))
            keys.append(count_added[0] if count_added else "")
            args += [serializer.dumps(add[1]), add[2], count_added[1] if count_added else ""]
        if lock_missing is None:
            keys.append("")
            args.append(0)
        else:
            keys.append(self.make_and_validate_key(lock_missing[0], version=version))
            args.append(lock_missing[1])

        def count_and_read() -> tuple[list[int] | None, list[Any] | None, bool | None, bool]:
            client = self._cache.get_client(keys[0], write=True)
            replies = cast(ReusingRedisCacheClient, self._cache).call_script(client, keys, args)
            counted = len(names)
            raws = replies[counted : counted + len(read_names)]
            return (
                [int(hits) for hits in replies[:counted]],
                [None if raw is None else serializer.loads(raw) for raw in raws],
                None if add is None else bool(replies[-2]),
                bool(replies[-1]),
            )

        unreachable: tuple[list[int] | None, list[Any] | None, bool | None, bool] = (
            None,
            None,
            None,
            False,
        )
        return self._guarded(count_and_read, unreachable)

    def get_and_add(
        self, key: Any, add_key: Any, add_value: Any, timeout: int, version: int | None = None
    ) -> tuple[Any, bool | None]:
        """`get(key)` and `add(add_key, add_value, timeout)` in one round trip: a cached
        answer is read while its visitor's view is marked. (None, None) when Redis cannot be
        reached."""
        name = self.make_and_validate_key(key, version=version)
        add_name = self.make_and_validate_key(add_key, version=version)

        def get_and_add() -> tuple[Any, bool | None]:
            serializer = cast(Any, self._cache)._serializer  # Django's, as `get` and `add` use it
            pipe = self._cache.get_client(name, write=True).pipeline(transaction=False)
            pipe.get(name)
            pipe.set(add_name, serializer.dumps(add_value), ex=timeout, nx=True)
            raw, added = pipe.execute()
            return (None if raw is None else serializer.loads(raw)), bool(added)

        unreachable: tuple[Any, bool | None] = (None, None)
        return self._guarded(get_and_add, unreachable)

    # Writes and deletes are dropped: the answer is the one for "nothing was stored".
    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return self._guarded(functools.partial(super().add, key, value, timeout, version), False)

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._guarded(functools.partial(super().set, key, value, timeout, version), None)

    def touch(
        self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._guarded(functools.partial(super().touch, key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(functools.partial(super().delete, key, version), False)

    def set_many(
        self,
        data: dict[Any, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        # Django's contract: the keys that could not be stored.
        return self._guarded(
            functools.partial(super().set_many, data, timeout, version), list(data)
        )

    def set_many_and_delete(
        self,
        data: dict[Any, Any],
        timeout: float | None,
        delete: Sequence[Any],
        version: int | None = None,
    ) -> None:
        """`set_many(data, timeout)` and `delete_many(delete)` in one round trip: a rebuilt
        entry is stored as its rebuild's lock is released (single_flight)."""
        names = {self.make_and_validate_key(k, version=version): v for k, v in data.items()}
        doomed = [self.make_and_validate_key(key, version=version) for key in delete]
        backend_seconds = self.get_backend_timeout(timeout)
        seconds = None if backend_seconds is None else int(backend_seconds)

        def store_and_delete() -> None:
            serializer = cast(Any, self._cache)._serializer  # Django's, as `set` uses it
            route = next(iter(names), None) or doomed[0]
            pipe = self._cache.get_client(route, write=True).pipeline(transaction=False)
            for name, value in names.items():
                pipe.set(name, serializer.dumps(value), ex=seconds)
            if doomed:
                pipe.delete(*doomed)
            pipe.execute()

        self._guarded(store_and_delete, None)

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        self._guarded(functools.partial(super().delete_many, keys, version), None)

    def clear(self) -> None:
        self._guarded(super().clear, None)


@functools.cache
def redis_client(url: str) -> redis.Redis:
    """One plain client per Redis URL, with short timeouts, for the stores that talk to Redis
    directly (view and position buffers, leaderboards): an unreachable Redis fails fast and
    the caller falls back to the database."""
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
