"""The Redis cache backend degrades when Redis goes away, and recovers by itself.

Every test runs a real redis-server of its own (or a socket that never answers) and stops it:
nothing is mocked, and the shared Redis is never touched.
"""

import logging
import time

import pytest
from django.core.cache import caches

from agora.core.cache import CacheUnavailable, ResilientRedisCache, raise_cache_errors
from tests.conftest import PrivateRedis
from tests.core.test_settings import manage

pytestmark = pytest.mark.redis_server

BREAKER_SECONDS = 0.3


def backend(location: str, **options) -> ResilientRedisCache:
    return ResilientRedisCache(
        location,
        {
            "KEY_PREFIX": "cache-test",
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "breaker_seconds": BREAKER_SECONDS,
                **options,
            },
        },
    )


def wait_out_the_breaker() -> None:
    time.sleep(BREAKER_SECONDS + 0.05)


@pytest.fixture
def cache(private_redis: PrivateRedis) -> ResilientRedisCache:
    return backend(private_redis.url())


class TestRedisDown:
    def test_reads_answer_like_a_miss(self, cache, private_redis):
        cache.set("kept", "value")
        cache.set("other", "value")
        assert cache.get("kept") == "value"

        private_redis.stop()

        assert cache.get("kept") is None
        assert cache.get("kept", "fallback") == "fallback"
        assert cache.get_many(["kept", "other"]) == {}
        assert cache.has_key("kept") is False
        assert "kept" not in cache

    def test_writes_and_deletes_are_dropped_quietly(self, cache, private_redis):
        private_redis.stop()

        assert cache.set("key", 1) is None
        assert cache.add("key", 1) is False
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert cache.delete("key") is False
        assert cache.delete_many(["a", "b"]) is None
        assert cache.touch("key") is False
        cache.clear()

    def test_get_or_set_computes_the_value(self, cache, private_redis):
        private_redis.stop()

        assert cache.get_or_set("computed", lambda: 42) == 42

    def test_incr_says_the_key_is_missing(self, cache, private_redis):
        cache.set("counter", 1)
        private_redis.stop()

        with pytest.raises(ValueError, match="not found"):
            cache.incr("counter")

    def test_a_warning_is_logged(self, cache, private_redis, caplog):
        private_redis.stop()

        with caplog.at_level(logging.WARNING, logger="agora.core.cache"):
            cache.get("key")

        [record] = caplog.records
        assert record.levelname == "WARNING"
        assert f"127.0.0.1:{private_redis.port}" in record.getMessage()
        assert "unreachable" in record.getMessage()

    def test_callers_that_must_know_are_told(self, cache, private_redis):
        private_redis.stop()

        with raise_cache_errors(), pytest.raises(CacheUnavailable):
            cache.get("key")
        # The breaker is open now: still told, at once.
        with raise_cache_errors(), pytest.raises(CacheUnavailable):
            cache.add("key", 1)
        # Outside the block the same backend degrades again.
        assert cache.get("key", "fallback") == "fallback"

    def test_other_redis_errors_are_not_hidden(self, cache):
        cache.set("text", "not a number")

        # A wrong type is a bug, not an outage.
        with pytest.raises(Exception, match="not an integer"):
            cache.incr("text")


class TestCircuitBreaker:
    def test_a_hung_redis_costs_one_timeout_then_is_skipped(self, silent_redis):
        cache = backend(silent_redis, breaker_seconds=30)

        started = time.monotonic()
        assert cache.get("key", "miss") == "miss"
        first = time.monotonic() - started
        started = time.monotonic()
        for n in range(50):
            assert cache.get(f"key-{n}", "miss") == "miss"
            cache.set(f"key-{n}", n)
        rest = time.monotonic() - started

        assert 0.4 <= first < 2
        # Without the breaker each of the 100 calls would wait out the 0.5 s timeout.
        assert rest < 0.2

    def test_the_breaker_is_shared_by_every_backend_of_the_process(self, silent_redis):
        # Django builds one backend per thread: one thread's failure spares the others.
        backend(silent_redis, breaker_seconds=30).get("key")
        other = backend(silent_redis, breaker_seconds=30)

        started = time.monotonic()
        assert other.get("key", "miss") == "miss"

        assert time.monotonic() - started < 0.1

    def test_redis_is_tried_again_after_the_pause(self, silent_redis, caplog):
        cache = backend(silent_redis)
        cache.get("key")
        wait_out_the_breaker()
        caplog.clear()

        with caplog.at_level(logging.WARNING, logger="agora.core.cache"):
            started = time.monotonic()
            cache.get("key")

        assert time.monotonic() - started >= 0.4  # it did knock again
        assert len(caplog.records) == 1


class TestRecovery:
    def test_caching_resumes_when_redis_is_back_without_a_restart(
        self, cache, private_redis, caplog
    ):
        cache.set("before", 1)
        private_redis.stop()
        assert cache.get("before") is None

        private_redis.start()
        wait_out_the_breaker()

        with caplog.at_level(logging.WARNING, logger="agora.core.cache"):
            cache.set("after", 2)
        assert cache.get("after") == 2
        assert "reachable again" in caplog.records[-1].getMessage()

    def test_settings_use_the_backend_when_redis_url_is_set(self, private_redis, settings):
        settings.CACHES = {
            "default": {
                "BACKEND": "agora.core.cache.ResilientRedisCache",
                "LOCATION": private_redis.url(),
                "OPTIONS": {"socket_timeout": 0.5, "breaker_seconds": BREAKER_SECONDS},
            }
        }
        caches["default"].set("key", "value")
        private_redis.stop()

        assert caches["default"].get("key", "miss") == "miss"


def test_settings_pick_the_backend_when_redis_url_is_set(tmp_path):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; c = settings.CACHES['default']; o = c['OPTIONS']; "
        "print(c['BACKEND'], o['socket_timeout'], o['socket_connect_timeout'])",
        REDIS_URL="redis://127.0.0.1:6379/4",
        AGORA_VAR_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    backend_path, socket_timeout, connect_timeout = result.stdout.splitlines()[-1].split()
    assert backend_path == "agora.core.cache.ResilientRedisCache"
    assert float(socket_timeout) <= 1
    assert float(connect_timeout) <= 1
