"""A real Celery worker keeps the Redis leaderboards in step: the award's job (from the
outbox, through the configured broker) writes the score, and a board missing from Redis is
loaded by the worker, after which Redis answers exactly as the database does."""

import time
from collections.abc import Callable

import pytest
from django.utils import timezone

from agora.gamification import boards, queries, services
from agora.gamification.models import GLOBAL, Period, Rule
from agora.gamification.rules import period_starts
from tests.accounts.factories import UserFactory
from tests.conftest import PrivateRedis
from tests.core.test_jobs import Workers, workers  # noqa: F401 - the fixture

pytestmark = [pytest.mark.worker, pytest.mark.redis_server]

PREFIX = "lb-worker-test"


def wait_until(check: Callable[[], object], worker, log, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        assert worker.poll() is None, f"the worker died:\n{log.read_text()}"
        time.sleep(0.1)
    pytest.fail(f"not within {seconds}s. Worker log:\n{log.read_text()}")


def test_a_real_worker_syncs_and_loads_the_redis_board(
    workers: Workers,  # noqa: F811 - the fixture
    private_redis: PrivateRedis,
    settings,
) -> None:
    settings.LEADERBOARD_BACKEND = "redis"
    settings.LEADERBOARD_REDIS_URL = private_redis.url()
    settings.LEADERBOARD_KEY_PREFIX = PREFIX
    boards._client.cache_clear()
    worker = workers.start(
        LEADERBOARD_BACKEND="redis",
        LEADERBOARD_REDIS_URL=private_redis.url(),
        LEADERBOARD_KEY_PREFIX=PREFIX,
    )
    log = workers.log()
    try:
        first, second = UserFactory(), UserFactory()
        board = (Period.WEEKLY, period_starts(timezone.now())[Period.WEEKLY], GLOBAL)
        for person, lessons in ((first, 1), (second, 3)):
            for number in range(lessons):
                services.award(
                    user=person,
                    rule=Rule.LESSON_COMPLETED,
                    object_type="lesson",
                    object_id=number,
                )
        member = boards.member(second.pk)
        wait_until(lambda: boards.client().zscore(boards.key(board), member) == 30, worker, log)

        def read():
            return queries.leaderboard(
                period=board[0], starts_on=board[1], course_id=GLOBAL, viewer=first
            )

        expected = {
            "items": [
                {"rank": 1, "user": {"id": second.pk, "name": second.name}, "xp": 30},
                {"rank": 2, "user": {"id": first.pk, "name": first.name}, "xp": 10},
            ],
            "me": {"rank": 2, "xp": 10},
        }
        assert read() == expected  # from the database: the board is not loaded yet
        wait_until(lambda: boards.read(board, user_id=first.pk, top=50) is not None, worker, log)
        assert read() == expected  # from Redis now
    finally:
        boards._client.cache_clear()
