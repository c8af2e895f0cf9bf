"""One rebuild of a missing cache entry at a time (agora/core/single_flight.py), with real
threads sharing the cache as the server's threads do."""

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from agora.core.single_flight import single_flight

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
