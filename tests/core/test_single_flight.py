"""One rebuild of a missing cache entry at a time (agora/core/single_flight.py), with real
threads sharing the cache as the server's threads do."""

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from agora.core.single_flight import Keep, single_flight

CALLERS = 8


@pytest.fixture
def key() -> str:
    return f"test-flight-{uuid.uuid4().hex}"


def all_at_once(call: Callable[[], object], callers: int = CALLERS) -> list[object]:
    start = threading.Barrier(callers)

    def run() -> object:
        start.wait()
        return call()

    with ThreadPoolExecutor(callers) as pool:
        futures = [pool.submit(run) for _ in range(callers)]
        return [future.result(timeout=20) for future in futures]


def test_callers_missing_together_build_once_and_share_the_answer(key):
    builds = []

    def build() -> str:
        builds.append(1)
        time.sleep(0.2)  # a slow rebuild: everyone else arrives meanwhile
        cache.set(key, "fresh", 60)
        return "fresh"

    answers = all_at_once(lambda: single_flight(key, load=lambda: cache.get(key), build=build))

    assert answers == ["fresh"] * CALLERS
    assert len(builds) == 1


def test_an_answer_that_is_not_stored_is_built_by_each_caller_without_waiting(key):
    builds = []

    def build() -> str:
        builds.append(1)
        time.sleep(0.05)
        return "private"  # a draft: never cached

    began = time.monotonic()
    answers = all_at_once(
        lambda: single_flight(key, load=lambda: None, build=build, wait_seconds=30)
    )

    assert answers == ["private"] * CALLERS
    assert len(builds) == CALLERS
    assert time.monotonic() - began < 15  # nobody waited out the 30 s


def test_a_holder_that_died_does_not_block_the_others(key):
    cache.add(f"single-flight:{key}", 1, timeout=60)  # taken, never released

    answer = single_flight(key, load=lambda: None, build=lambda: "built", wait_seconds=0.1)

    assert answer == "built"


def test_a_failed_build_releases_the_lock(key):
    def fail() -> str:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        single_flight(key, load=lambda: None, build=fail)

    assert cache.get(f"single-flight:{key}") is None
    assert single_flight(key, load=lambda: None, build=lambda: "built", wait_seconds=5) == "built"


def test_a_hit_builds_nothing(key):
    cache.set(key, "cached", 60)

    def build() -> str:
        raise AssertionError("a hit must not rebuild")

    assert single_flight(key, load=lambda: cache.get(key), build=build) == "cached"


def test_a_caller_that_just_missed_does_not_look_again_before_building(key):
    looks = []

    def load() -> str | None:
        looks.append(1)
        return cache.get(key)

    def build() -> str:
        cache.set(key, "fresh", 60)
        return "fresh"

    assert single_flight(key, load=load, build=build, missed=True) == "fresh"
    assert looks == []
    assert single_flight(key, load=load, build=build) == "fresh"  # a hit, looked up once
    assert looks == [1]


def test_what_a_build_keeps_is_stored_as_its_lock_is_released(key):
    def build() -> Keep[str]:
        time.sleep(0.2)  # a slow rebuild: everyone else arrives meanwhile
        return Keep("built", {key: "stored", f"{key}-also": 7}, 60)

    answers = all_at_once(lambda: single_flight(key, load=lambda: cache.get(key), build=build))

    assert set(answers) <= {"built", "stored"}
    assert answers.count("built") == 1  # one build; the others read what it stored
    assert cache.get_many([key, f"{key}-also"]) == {key: "stored", f"{key}-also": 7}
    assert cache.get(f"single-flight:{key}") is None


def test_a_caller_that_waited_in_vain_stores_what_it_builds(key):
    cache.add(f"single-flight:{key}", 1, 60)  # a holder that never finishes

    answer = single_flight(
        key, load=lambda: cache.get(key), build=lambda: Keep("mine", {key: "kept"}, 60),
        wait_seconds=0.05,
    )  # fmt: skip

    assert answer == "mine"
    assert cache.get(key) == "kept"


@pytest.mark.redis_server
def test_on_redis_the_entries_and_the_release_take_one_round_trip(key, private_redis, settings):
    import redis
    from redis.connection import Connection

    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "agora.core.cache.ResilientRedisCache",
                    "LOCATION": private_redis.url(), "KEY_PREFIX": "flight-test"},
    }  # fmt: skip
    cache.get(key)  # the connection is made (and introduces itself) before counting
    sent: list[bytes] = []
    original = Connection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(b"".join(command) if isinstance(command, list) else command)
        original(self, command, check_health)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Connection, "send_packed_command", counting)
        answer = single_flight(
            key, load=lambda: None, build=lambda: Keep("built", {key: b"x" * 10}, 60), missed=True
        )

    assert answer == "built"
    assert len(sent) == 2  # the lock taken; then the entry stored and the lock released
    assert b"DEL" in sent[1]
    assert b"SET" in sent[1]
    assert cache.get(key) == b"x" * 10
    assert 55 <= redis.Redis.from_url(private_redis.url()).ttl(f"flight-test:1:{key}") <= 60
    assert cache.get(f"single-flight:{key}") is None
