"""Leaderboards in Redis sorted sets give the database's answer: the same top, ties and ranks,
opted-out and suspended people hidden, take-backs applied; and Redis restarting empty or going
away delays the sets, never loses a point.

Redis here is a private redis-server of each test's own (stopped and started again on the
same port)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from agora.accounts.services.suspension import suspend_user, unsuspend_user
from agora.core import jobs
from agora.core.models import Job
from agora.gamification import boards, queries, services
from agora.gamification.models import GLOBAL, Period, Rule
from agora.gamification.rules import period_starts
from tests.accounts.factories import UserFactory
from tests.catalog.factories import CourseFactory
from tests.conftest import PrivateRedis

pytestmark = [pytest.mark.redis_server, pytest.mark.django_db]

SYNC = "agora.gamification.tasks.sync_leaderboards"


@pytest.fixture
def redis_boards(private_redis: PrivateRedis, settings):
    settings.LEADERBOARD_BACKEND = "redis"
    settings.LEADERBOARD_REDIS_URL = private_redis.url()
    settings.LEADERBOARD_KEY_PREFIX = "lb-test"
    boards._client.cache_clear()
    yield private_redis
    boards._client.cache_clear()


def board_of(period: str = Period.WEEKLY, course_id: int = GLOBAL) -> boards.Board:
    return (period, period_starts(timezone.now())[period], course_id)


def answer(board: boards.Board, viewer, *, backend: str, settings) -> dict:
    settings.LEADERBOARD_BACKEND = backend
    try:
        period, starts_on, course_id = board
        return queries.leaderboard(
            period=period, starts_on=starts_on, course_id=course_id, viewer=viewer
        )
    finally:
        settings.LEADERBOARD_BACKEND = "redis"


def pay(person, times: int, *, course_id: int | None = None, start: int = 0) -> None:
    for number in range(start, start + times):
        services.award(
            user=person,
            rule=Rule.LESSON_COMPLETED,
            object_type="lesson",
            object_id=number,
            course_id=course_id,
        )


def in_redis(board: boards.Board, person) -> float | None:
    return boards.client().zscore(boards.key(board), boards.member(person.pk))


def is_ready(board: boards.Board) -> bool:
    return bool(boards.client().exists(f"{boards.key(board)}:ready"))


def load(board: boards.Board, django_capture_on_commit_callbacks) -> None:
    """The first read schedules the load; the captured job runs it."""
    with django_capture_on_commit_callbacks(execute=True):
        boards.read(board, user_id=None, top=1)
    assert is_ready(board)


def test_redis_gives_the_databases_top_ties_and_ranks(
    redis_boards, settings, django_capture_on_commit_callbacks
):
    course = CourseFactory()
    people = [UserFactory() for _ in range(8)]
    shy = UserFactory(show_on_leaderboards=False)
    with django_capture_on_commit_callbacks(execute=True):
        for person, lessons in zip(people, [3, 5, 5, 1, 0, 2, 5, 4], strict=True):
            pay(person, lessons, course_id=course.pk if lessons % 2 else None)
        pay(shy, 9, course_id=course.pk)
    for board in (board_of(), board_of(Period.ALL_TIME), board_of(Period.MONTHLY, course.pk)):
        load(board, django_capture_on_commit_callbacks)
        for viewer in [*people, shy, AnonymousUser()]:
            from_db = answer(board, viewer, backend="database", settings=settings)
            assert boards.read(board, user_id=viewer.pk, top=50) is not None  # Redis answers
            assert answer(board, viewer, backend="redis", settings=settings) == from_db
    weekly = answer(board_of(), people[0], backend="redis", settings=settings)
    # Ties (three people at 50) in order of who joined first; the opted-out one is not there.
    assert [item["xp"] for item in weekly["items"]] == [50, 50, 50, 40, 30, 20, 10]
    tied = [item["user"]["id"] for item in weekly["items"][:3]]
    assert tied == sorted([people[1].pk, people[2].pk, people[6].pk])
    assert weekly["me"] == {"rank": 5, "xp": 30}
    assert answer(board_of(), people[4], backend="redis", settings=settings)["me"] is None


def test_every_award_and_take_back_reaches_redis_after_commit(
    redis_boards, settings, django_capture_on_commit_callbacks
):
    person, other = UserFactory(), UserFactory()
    board = board_of()
    with django_capture_on_commit_callbacks(execute=True):
        pay(other, 2)
    load(board, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        pay(person, 3)
    assert in_redis(board, person) is None  # not before the transaction commits
    for callback in pending:
        callback()
    assert in_redis(board, person) == 30
    assert answer(board, person, backend="redis", settings=settings)["me"] == {"rank": 1, "xp": 30}
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(3):
            services.take_back(
                user=person, rule=Rule.LESSON_COMPLETED, object_type="lesson", object_id=number
            )
    # Back to nothing: off the board (a tombstone of 0 that reads skip), like the database.
    assert in_redis(board, person) == 0
    from_redis = answer(board, person, backend="redis", settings=settings)
    assert from_redis == answer(board, person, backend="database", settings=settings)
    assert from_redis["me"] is None
    assert [item["user"]["id"] for item in from_redis["items"]] == [other.pk]


def test_opting_out_or_a_suspension_hides_and_coming_back_shows(
    redis_boards, settings, django_capture_on_commit_callbacks
):
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    board = board_of(Period.ALL_TIME)
    with django_capture_on_commit_callbacks(execute=True):
        pay(first, 3)
        pay(second, 2)
        pay(third, 1)
    load(board, django_capture_on_commit_callbacks)

    def ranks() -> list[int]:
        mine = answer(board, third, backend="redis", settings=settings)
        assert mine == answer(board, third, backend="database", settings=settings)
        return [item["user"]["id"] for item in mine["items"]]

    assert ranks() == [first.pk, second.pk, third.pk]
    with django_capture_on_commit_callbacks(execute=True):
        first.show_on_leaderboards = False
        first.save(update_fields=["show_on_leaderboards"])
    assert ranks() == [second.pk, third.pk]
    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        suspend_user(actor=staff, user=second, reason="spam")
    assert ranks() == [third.pk]
    assert answer(board, third, backend="redis", settings=settings)["me"]["rank"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        first.show_on_leaderboards = True
        first.save(update_fields=["show_on_leaderboards"])
        unsuspend_user(actor=staff, user=second)
    assert ranks() == [first.pk, second.pk, third.pk]


def test_a_redis_that_restarts_empty_is_read_from_the_database_then_reloaded(
    redis_boards, settings, django_capture_on_commit_callbacks
):
    people = [UserFactory() for _ in range(3)]
    board = board_of()
    with django_capture_on_commit_callbacks(execute=True):
        for count, person in enumerate(people, start=1):
            pay(person, count)
    load(board, django_capture_on_commit_callbacks)
    expected = answer(board, people[0], backend="database", settings=settings)
    redis_boards.stop()
    redis_boards.start()  # nothing kept on disk: every set is gone
    assert not is_ready(board)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        assert answer(board, people[0], backend="redis", settings=settings) == expected
    assert pending  # a load is scheduled
    assert not is_ready(board)
    with django_capture_on_commit_callbacks(execute=False) as again:
        answer(board, people[0], backend="redis", settings=settings)
    assert not again  # only one load while it is pending
    for callback in pending:
        callback()
    assert is_ready(board)
    assert boards.read(board, user_id=people[0].pk, top=50) is not None
    assert answer(board, people[0], backend="redis", settings=settings) == expected


def test_a_load_keeps_what_syncs_wrote_while_it_ran(
    redis_boards, settings, django_capture_on_commit_callbacks
):
    person = UserFactory()
    board = board_of()
    with django_capture_on_commit_callbacks(execute=True):
        pay(person, 2)
    # A load that read the database before the next award but writes after its sync:
    # ZADD NX keeps the newer value the sync wrote.
    stale = {boards.member(person.pk): 20}
    with django_capture_on_commit_callbacks(execute=True):
        pay(person, 1, start=10)
    boards.client().zadd(boards.key(board), stale, nx=True)
    assert in_redis(board, person) == 30
    load(board, django_capture_on_commit_callbacks)
    assert in_redis(board, person) == 30


def test_while_redis_is_away_points_wait_in_the_outbox_and_arrive_later(
    redis_boards, settings, django_capture_on_commit_callbacks
):
    person, other = UserFactory(), UserFactory()
    board = board_of()
    with django_capture_on_commit_callbacks(execute=True):
        pay(other, 2)
    load(board, django_capture_on_commit_callbacks)
    redis_boards.stop()
    with django_capture_on_commit_callbacks(execute=False):
        pay(person, 4)  # the award itself does not need Redis
    per_award = [
        job.pk
        for job in Job.objects.filter(task=SYNC, kwargs__user_id=person.pk)
        if job.kwargs["boards"]
    ]
    waiting = Job.objects.filter(pk__in=per_award)
    assert waiting.count() == 4  # one per award, each kept until Redis has it
    # Reads carry on from the database meanwhile.
    during = answer(board, person, backend="redis", settings=settings)
    assert during["me"] == {"rank": 1, "xp": 40}
    with pytest.raises(boards.Unavailable):
        jobs.relay()  # the job runs, cannot reach Redis, and is kept to be tried again
    tried = Job.objects.filter(task=SYNC, attempts__gt=0, done_at__isnull=True)
    assert len(tried) == 1  # the relay stopped at the first refusal
    assert tried[0].failed_at is None
    assert tried[0].sent_at is None
    assert not waiting.filter(done_at__isnull=False).exists()
    redis_boards.start()  # back, empty (it keeps nothing on disk)
    boards._breaker().record_success()  # as if the breaker's pause had passed
    jobs.relay(now=timezone.now() + timedelta(hours=1))
    assert not waiting.filter(done_at__isnull=True).exists()
    assert in_redis(board, person) == 40
    load(board, django_capture_on_commit_callbacks)
    assert answer(board, person, backend="redis", settings=settings) == answer(
        board, person, backend="database", settings=settings
    )


def test_rebuilding_clears_the_redis_boards_to_load_them_again(
    redis_boards, settings, django_capture_on_commit_callbacks
):
    person = UserFactory()
    board = board_of()
    with django_capture_on_commit_callbacks(execute=True):
        pay(person, 2)
    load(board, django_capture_on_commit_callbacks)
    boards.client().zadd(boards.key(board), {boards.member(person.pk): 999})  # drifted
    services.rebuild_leaderboards()
    assert not is_ready(board)
    assert in_redis(board, person) is None
    load(board, django_capture_on_commit_callbacks)
    assert answer(board, person, backend="redis", settings=settings)["me"] == {"rank": 1, "xp": 20}


@pytest.mark.django_db(transaction=True)
def test_concurrent_awards_leave_redis_equal_to_the_database(redis_boards, settings):
    from tests.concurrency import run_at_once

    people = [UserFactory() for _ in range(4)]
    course = CourseFactory()
    board = board_of(Period.WEEKLY, course.pk)
    boards.load(board)

    def earn(person, number):
        return lambda: services.award(
            user=person,
            rule=Rule.LESSON_COMPLETED,
            object_type="lesson",
            object_id=number,
            course_id=course.pk,
        )

    results = run_at_once([earn(people[i % 4], i // 4) for i in range(16)])
    assert [r for r in results if isinstance(r, Exception)] == []
    for person in people:
        assert in_redis(board, person) == 40
        assert boards.read(board, user_id=person.pk, top=50) is not None
        assert answer(board, person, backend="redis", settings=settings) == answer(
            board, person, backend="database", settings=settings
        )
