"""Rate-limit counters: one Redis round trip per hit, the same limits, windows, keys and 429s
on Redis and on the local-memory cache."""

from typing import Any

import pytest
from django.core.cache import caches
from django.test import RequestFactory
from django_ratelimit.core import get_usage

from agora.core import ratelimit, read_ahead
from agora.core.errors import RateLimited
from tests.conftest import PrivateRedis, limits_on_redis

request = RequestFactory().get("/api/v1/courses")


def _limits_and_refuses(rate: str = "3/m") -> None:
    for expected in (1, 2, 3):
        ratelimit.hit(request, group="test-group", key="k1", rate=rate)
        current = ratelimit.usage(request, group="test-group", key="k1", rate=rate, increment=False)
        assert current is not None
        assert current.count == expected
    with pytest.raises(RateLimited) as refused:
        ratelimit.hit(request, group="test-group", key="k1", rate=rate)
    assert refused.value.status_code == 429
    retry_after = int(refused.value.headers["Retry-After"])
    assert 1 <= retry_after <= 61
    # Another key has its own counter; reading counts nothing.
    ratelimit.usage(request, group="test-group", key="k2", rate=rate, increment=False)
    ratelimit.hit(request, group="test-group", key="k2", rate=rate)
    # django-ratelimit reads the very same counters (keys and windows unchanged).
    theirs = get_usage(request, group="test-group", key=lambda *_: "k1", rate=rate)
    assert theirs is not None
    assert theirs["count"] == 4
    assert theirs["time_left"] + 1 == retry_after


SHORT_TIMEOUTS = {"socket_timeout": 0.2, "socket_connect_timeout": 0.2}


@pytest.fixture
def redis_cache(private_redis: PrivateRedis, settings: Any) -> Any:
    yield limits_on_redis(settings, private_redis.url(), "limits", KEY_PREFIX="rl-test")
    caches["limits"].close()


@pytest.fixture
def memory_cache(settings: Any) -> Any:
    settings.CACHES = {
        **settings.CACHES,
        "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"},
    }
    settings.RATELIMIT_USE_CACHE = "limits"
    yield caches["limits"]
    caches["limits"].clear()


def test_limits_on_redis(redis_cache: Any) -> None:
    _limits_and_refuses()


def test_limits_on_local_memory(memory_cache: Any) -> None:
    _limits_and_refuses()


def test_a_hit_is_one_round_trip_on_redis(redis_cache: Any) -> None:
    client = redis_cache._cache.get_client(write=True)
    ratelimit.hit(request, group="warm-up", key="k", rate="10/m")  # opens the connection
    before = client.info("commandstats")
    ratelimit.hit(request, group="trips", key="k", rate="10/m")
    ratelimit.hit(request, group="trips", key="k", rate="10/m")
    after = client.info("commandstats")

    def calls(command: str) -> int:
        return after.get(f"cmdstat_{command}", {}).get("calls", 0) - before.get(
            f"cmdstat_{command}", {}
        ).get("calls", 0)

    assert calls("incrby") == 2  # redis-py's INCR
    assert calls("expire") == 2
    assert calls("exists") == calls("set") == calls("get") == 0
    # The expiry is set once and kept: the window's end does not slide.
    key = redis_cache.make_and_validate_key(
        ratelimit._make_cache_key("trips", ratelimit._get_window("k", 60), "10/m", "k", None)
    )
    assert 0 < client.ttl(key) <= 60 + ratelimit.EXPIRATION_FUDGE


def test_round_trips_counted_on_the_wire(redis_cache: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from redis.connection import Connection

    sent: list[int] = []
    original = Connection.send_packed_command

    def counting(self: Connection, command: Any, check_health: bool = True) -> None:
        sent.append(1)
        original(self, command, check_health)

    ratelimit.hit(request, group="warm-up", key="k", rate="10/m")
    monkeypatch.setattr(Connection, "send_packed_command", counting)
    ratelimit.hit(request, group="wire", key="k", rate="10/m")
    assert len(sent) == 1


def test_unreachable_redis_fails_open_for_the_api_and_closed_for_sign_in(
    settings: Any, silent_redis: str
) -> None:
    limits_on_redis(settings, silent_redis, "limits", OPTIONS=SHORT_TIMEOUTS)
    from agora.core.errors import ServiceUnavailable

    ratelimit.hit(request, group="open", key="k", rate="1/m")  # not enforced, no error
    with pytest.raises(ServiceUnavailable):
        ratelimit.hit(request, group="closed", key="k", rate="1/m", fail_closed=True)


def test_retry_after_uses_the_windows_clock(
    memory_cache: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time as real_time

    import django_ratelimit.core

    class Later:
        @staticmethod
        def time() -> float:
            return real_time.time() + 10_000

    monkeypatch.setattr(django_ratelimit.core, "time", Later)
    ratelimit.hit(request, group="clock", key="k", rate="1/m")
    with pytest.raises(RateLimited) as refused:
        ratelimit.hit(request, group="clock", key="k", rate="1/m")
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 61


@pytest.fixture
def redis_default(private_redis: PrivateRedis, settings: Any) -> Any:
    """The default cache (users, rights) and the limits on one private Redis, as in production."""
    yield limits_on_redis(settings, private_redis.url(), "default", KEY_PREFIX="one-trip")
    caches["default"].clear()


def test_a_hit_and_a_read_share_one_round_trip(redis_default: Any, redis_sends: Any) -> None:
    redis_default.set("row", {"name": "Ada"})
    # Opens the connection and loads the script (EVALSHA, refused; SCRIPT LOAD; EVALSHA).
    ratelimit.hit_and_read(request, group="warm-up", key="k", rate="10/m", read_key="row")
    sent = redis_sends()

    first, value = ratelimit.hit_and_read(
        request, group="both", key="k", rate="2/m", read_key="row"
    )
    second, missing = ratelimit.hit_and_read(
        request, group="both", key="k", rate="2/m", read_key="nothing"
    )
    third, _ = ratelimit.hit_and_read(request, group="both", key="k", rate="2/m", read_key="row")

    assert len(sent) == 3
    assert value == {"name": "Ada"}
    assert missing is None
    assert [u.count if u else None for u in (first, second, third)] == [1, 2, 3]
    ratelimit.refuse_over_limit(second)  # at the limit: allowed
    with pytest.raises(RateLimited):
        ratelimit.refuse_over_limit(third)
    # The same counter `hit` and django-ratelimit use.
    assert ratelimit.usage(request, group="both", key="k", rate="2/m", increment=False).count == 3
    # A Redis that forgot the script (restarted, or flushed) is sent it again.
    redis_default._cache.get_client(write=True).script_flush()
    fourth, again = ratelimit.hit_and_read(
        request, group="both", key="k", rate="2/m", read_key="row"
    )
    assert (fourth.count if fourth else None, again) == (4, {"name": "Ada"})


def test_hit_and_read_on_two_caches_makes_two_calls(memory_cache: Any) -> None:
    caches["default"].set("row", "value")
    current, value = ratelimit.hit_and_read(
        request, group="apart", key="k", rate="5/m", read_key="row"
    )
    assert value == "value"
    assert current is not None
    assert current.count == 1


def test_hit_and_read_fails_open_when_redis_is_unreachable(
    settings: Any, silent_redis: str
) -> None:
    limits_on_redis(settings, silent_redis, "default", OPTIONS=SHORT_TIMEOUTS)

    assert ratelimit.hit_and_read(request, group="down", key="k", rate="1/m", read_key="row") == (
        None,
        None,
    )


@pytest.mark.django_db
def test_an_api_call_counts_and_reads_its_person_in_one_round_trip(
    redis_default: Any, redis_sends: Any, settings: Any
) -> None:
    from tests.accounts.factories import UserFactory
    from tests.catalog.factories import api_for

    settings.API_RATE_LIMIT_PER_ADDRESS = "1000/m"
    settings.API_RATE_LIMIT_PER_USER = "3/m"
    person = UserFactory()
    api = api_for(person)
    assert api.get("/me").status_code == 200  # caches the person's row
    sent = redis_sends()

    assert api.get("/me").json()["id"] == person.pk
    # The address's limit, the person's limit and their row, all in the middleware's call.
    assert len(sent) == 1

    assert api.get("/me").status_code == 200
    refused = api.get("/me")
    assert refused.status_code == 429
    person.is_active = False
    person.save()
    assert api.get("/me").status_code == 401  # a token that is no longer good: 401 first


def _count(group: str, key: str) -> int:
    found = ratelimit.usage(request, group=group, key=key, rate="1000/m", increment=False)
    assert found is not None
    return found.count


def _signed_in(settings: Any, *, per_address: str, per_user: str) -> tuple[Any, Any]:
    """A person and an API client with their token, under these API limits."""
    from tests.accounts.factories import UserFactory
    from tests.catalog.factories import api_for

    settings.API_RATE_LIMIT_PER_ADDRESS = per_address
    settings.API_RATE_LIMIT_PER_USER = per_user
    person = UserFactory()
    return person, api_for(person)


@pytest.mark.django_db
def test_a_bearer_call_is_counted_once_against_its_address_and_once_against_its_person(
    redis_default: Any, settings: Any
) -> None:
    from tests.conftest import ApiClient

    person, api = _signed_in(settings, per_address="1000/m", per_user="1000/m")
    for path in ("/me", "/me/enrollments", "/courses"):  # the last one is public
        assert api.get(path).status_code == 200
    assert _count("api-user", str(person.pk)) == 3
    assert _count("api-address", "127.0.0.1") == 3

    # A token that is no good: the address is counted, nobody's limit is, and the answer is 401.
    bad = ApiClient("not-a-token")
    assert bad.get("/me").status_code == 401
    assert _count("api-address", "127.0.0.1") == 4
    assert _count("api-user", str(person.pk)) == 3


@pytest.mark.django_db
def test_a_bearer_call_over_its_address_limit_is_refused_before_its_view(
    redis_default: Any, settings: Any
) -> None:
    _, api = _signed_in(settings, per_address="2/m", per_user="1000/m")
    assert [api.get("/me").status_code for _ in range(3)] == [200, 200, 429]
    refused = api.get("/me")
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1


AHEAD = read_ahead.ReadAhead("answer", "mark", 1, 60)


def test_a_hit_reads_ahead_and_marks_in_one_round_trip(
    redis_default: Any, redis_sends: Any
) -> None:
    redis_default.set("answer", b"body")
    # Opens the connection and loads the script.
    ratelimit.hit_and_read(request, group="warm-up", key="k", rate="10/m", read_key="answer")
    sent = redis_sends()
    first, second = RequestFactory().get("/x"), RequestFactory().get("/x")

    assert ratelimit.hit_per_address_reading_ahead(first, group="ahead", rate="1/m", ahead=AHEAD)

    assert len(sent) == 1
    assert read_ahead.take(first, AHEAD) == read_ahead.Found(b"body", added=True)
    assert read_ahead.take(first, AHEAD) is None  # taken once
    # The same address again, over its limit: refused, in one round trip too.
    with pytest.raises(RateLimited):
        ratelimit.hit_per_address_reading_ahead(second, group="ahead", rate="1/m", ahead=AHEAD)
    assert len(sent) == 2
    assert redis_default.get("mark") == 1
    counted = ratelimit.usage(request, group="ahead", key="127.0.0.1", rate="1/m", increment=False)
    assert counted is not None
    assert counted.count == 2  # the counter `hit` and django-ratelimit read


def _read_ahead_within_three(
    group: str, read_key: str, mark: str, **options: Any
) -> read_ahead.Found | None:
    """What one call from 10.1.1.1 read ahead (`options` for its ReadAhead), under a limit of
    three calls a minute in `group`; None when it was refused."""
    ahead = read_ahead.ReadAhead(read_key, mark, 1, 60, **options)
    asked = RequestFactory().get("/x", REMOTE_ADDR="10.1.1.1")
    try:
        ratelimit.hit_per_address_reading_ahead(asked, group=group, rate="3/m", ahead=ahead)
    except RateLimited:
        return None
    return read_ahead.take(asked, ahead)


def test_a_first_view_is_counted_with_its_mark_only_when_its_answer_is_there(
    redis_default: Any,
) -> None:
    hits = redis_default._cache.get_client(write=True)
    hits.delete("views-pending")
    redis_default.set("present", b"body")

    def ask(read_key: str, mark: str) -> read_ahead.Found | None:
        return _read_ahead_within_three(
            "views", read_key, mark, count_added=("views-pending", f"{read_key}:day")
        )

    assert ask("present", "mark-a") == read_ahead.Found(b"body", added=True, counted=True)
    assert ask("present", "mark-a") == read_ahead.Found(b"body", added=False, counted=False)
    assert ask("absent", "mark-b") == read_ahead.Found(None, added=True, counted=False)
    assert ask("present", "mark-c") is None  # the fourth call: over the limit of three

    assert hits.hgetall("views-pending") == {b"present:day": b"1"}
    assert redis_default.get("mark-c") is None  # a refused call marks nothing either


def test_what_was_read_ahead_is_only_for_the_same_keys(redis_default: Any) -> None:
    asked = RequestFactory().get("/x")
    assert ratelimit.hit_per_address_reading_ahead(asked, group="keys", rate="9/m", ahead=AHEAD)

    other = read_ahead.ReadAhead("answer", "another-mark", 1, 60)
    assert read_ahead.take(asked, other) is None
    assert read_ahead.take(asked, AHEAD) == read_ahead.Found(None, added=True)


def test_reading_ahead_needs_the_limits_on_redis(memory_cache: Any) -> None:
    asked = RequestFactory().get("/x")

    assert not ratelimit.hit_per_address_reading_ahead(asked, group="mem", rate="9/m", ahead=AHEAD)
    assert read_ahead.take(asked, AHEAD) is None
    assert caches["limits"].get("mark") is None  # nothing was done: the caller counts


def test_reading_ahead_fails_open_when_redis_is_unreachable(
    settings: Any, silent_redis: str
) -> None:
    limits_on_redis(settings, silent_redis, "default", OPTIONS=SHORT_TIMEOUTS)
    asked = RequestFactory().get("/x")

    assert ratelimit.hit_per_address_reading_ahead(asked, group="down", rate="1/m", ahead=AHEAD)
    assert read_ahead.take(asked, AHEAD) is None  # the view makes its own (failing open) call


@pytest.mark.django_db
def test_a_lesson_read_is_one_round_trip_signed_in_or_not(
    redis_default: Any, redis_sends: Any, settings: Any
) -> None:
    from tests.catalog.factories import course_with_curriculum, enroll
    from tests.conftest import ApiClient
    from tests.learning.factories import lessons_of

    person, api = _signed_in(settings, per_address="1000/m", per_user="1000/m")
    course = course_with_curriculum(modules=1, lessons=2)
    enroll(person, course)
    preview, locked = sorted(lessons_of(course), key=lambda lesson: not lesson.is_preview)
    assert preview.is_preview
    assert not locked.is_preview
    anonymous = ApiClient()
    assert api.get(f"/lessons/{locked.pk}").status_code == 200  # remembers the lesson
    assert anonymous.get(f"/lessons/{preview.pk}").status_code == 200
    sent = redis_sends()

    assert api.get(f"/lessons/{locked.pk}").json()["id"] == locked.pk
    assert anonymous.get(f"/lessons/{preview.pk}").json()["id"] == preview.pk
    assert anonymous.get(f"/lessons/{locked.pk}").status_code == 403
    # Each: its limits (and person) with the lesson and its team, at once. The learner's read
    # of a locked lesson then asks for the enrollment: the one key not known beforehand.
    assert len(sent) == 2 + 1 + 1


def test_the_rebuilds_lock_is_taken_with_the_count_only_for_a_missing_answer(
    redis_default: Any,
) -> None:
    hits = redis_default._cache.get_client(write=True)
    hits.delete("locks-pending")
    redis_default.set("cached", b"body")

    def ask(read_key: str, mark: str) -> read_ahead.Found | None:
        return _read_ahead_within_three(
            "locks",
            read_key,
            mark,
            count_added=("locks-pending", read_key),
            lock_missing=(f"lock-{read_key}", 10),
            answer=lambda r, f: None,
        )

    assert ask("cached", "m1") == read_ahead.Found(b"body", True, counted=True, locked=False)
    # The lock's holder rebuilds the answer: its visitor's view is counted with the lock.
    assert ask("missing", "m2") == read_ahead.Found(None, True, counted=True, locked=True)
    # Held by another: nothing to count it against yet.
    assert ask("missing", "m3") == read_ahead.Found(None, True, counted=False, locked=False)
    redis_default.delete("lock-missing")
    assert ask("missing", "m4") is None  # over the limit of three: refused, nothing taken
    assert redis_default.get("lock-missing") is None
    assert redis_default.get("lock-cached") is None
    assert hits.hgetall("locks-pending") == {b"cached": b"1", b"missing": b"1"}


def test_a_lock_is_taken_ahead_only_for_an_answer_that_rebuilds() -> None:
    with pytest.raises(ValueError, match="only for an answer"):
        read_ahead.ReadAhead("k", "m", 1, 60, lock_missing=("lock", 10))
