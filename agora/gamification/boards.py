"""Leaderboards in Redis sorted sets (production), kept in step with the database's scores.

The database (`LeaderboardScore`, written in each award's transaction) is the truth; Redis is
an index of the current boards that answers "the top 50 and my rank" without counting rows.
`LEADERBOARD_BACKEND=database` (the embedded default, no Redis) reads the table instead; both
give the same answer: people who allow it, active, with XP above zero, by XP and then by who
joined first (lower id).

- One sorted set per board (period, first day, course; 0 is the whole site). A member is a
  person, spelled so that equal scores list lower ids first (Redis orders ties by member).
- After an award commits, a job (`sync_leaderboards`, from the transactional outbox, so it
  survives a Redis or worker outage and is retried) writes the person's current scores,
  read from the database under the lock every award to them takes: the last write is always
  the newest value whatever order the jobs run in. Someone unlisted (opted out, suspended,
  erased) or at zero is written as 0, a tombstone the reads skip.
- A board whose "ready" marker is missing (Redis restarted empty, the key expired, the boards
  were rebuilt) is read from the database meanwhile, and a job loads it (ZADD NX: values
  written by syncs during the load are newer and kept).
- Redis unreachable: reads fall back to the database (a circuit breaker keeps requests from
  waiting on it); the sync jobs fail and are retried until it is back.
- Only boards of the current periods are kept; weekly and monthly sets expire a day after
  their period ends.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agora.core.cache import UNREACHABLE, breaker_for
from agora.core.cache import redis_client as _client
from agora.gamification.models import LeaderboardScore
from agora.gamification.rules import period_end, period_starts

logger = logging.getLogger(__name__)

MEMBER_DIGITS = 20
MEMBER_BASE = 10**MEMBER_DIGITS - 1  # above every 64-bit id
LOAD_BATCH = 5000
LOAD_LOCK_SECONDS = 600
BREAKER_SECONDS = 1.5

Board = tuple[str, date, int]  # period, first day, course id


class Unavailable(Exception):
    """Redis could not be reached (or the breaker is skipping it for a moment)."""


def enabled() -> bool:
    return bool(settings.LEADERBOARD_BACKEND == "redis")


def client() -> redis.Redis:
    return _client(settings.LEADERBOARD_REDIS_URL)


def _breaker() -> Any:
    return breaker_for(f"{settings.LEADERBOARD_REDIS_URL}#leaderboards", BREAKER_SECONDS)


def _guarded(call: Callable[[], Any]) -> Any:
    """Runs a Redis call; an unreachable Redis raises `Unavailable` and opens the breaker."""
    breaker = _breaker()
    if not breaker.allows_call():
        raise Unavailable("leaderboard Redis skipped after a recent failure")
    try:
        result = call()
    except UNREACHABLE as exc:
        breaker.record_failure()
        logger.warning("leaderboard Redis unreachable (%s: %s)", type(exc).__name__, exc)
        raise Unavailable(str(exc)) from exc
    breaker.record_success()
    return result


# --- names -----------------------------------------------------------------------------------
def key(board: Board) -> str:
    period, starts_on, course_id = board
    return f"{settings.LEADERBOARD_KEY_PREFIX}:{period}:{starts_on.isoformat()}:{course_id}"


def member(user_id: int) -> str:
    """Equal scores are listed by member, highest first: the lowest id has the highest one."""
    return f"{MEMBER_BASE - user_id:0{MEMBER_DIGITS}d}"


def user_of(value: bytes | str) -> int:
    return MEMBER_BASE - int(value)


def is_current(board: Board, now: datetime | None = None) -> bool:
    period, starts_on, _ = board
    return period_starts(now or timezone.now())[period] == starts_on


def _expire_at(board: Board) -> datetime | None:
    end = period_end(board[0], board[1])
    if end is None:
        return None
    return datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)


# --- keeping the sets in step ----------------------------------------------------------------
def changed(user_id: int, boards: Iterable[Board] | None = None) -> None:
    """Called inside the transaction that changed the person's scores (or listing): their
    Redis entries are rewritten once it commits. `None` means every current board."""
    if not enabled():
        return
    from agora.core.jobs import enqueue
    from agora.gamification.tasks import sync_leaderboards

    current = None
    if boards is not None:
        current = sorted({(p, s.isoformat(), c) for p, s, c in boards if is_current((p, s, c))})
        if not current:
            return
    enqueue(sync_leaderboards, user_id=user_id, boards=current)


def sync_user(user_id: int, boards: Sequence[Sequence[Any]] | None = None) -> int:
    """Writes the person's current scores on the given boards (all current ones when None),
    read under their wallet lock. Returns how many entries it wrote; raises `Unavailable`
    when Redis cannot be reached (the job is retried)."""
    starts = period_starts(timezone.now())
    with transaction.atomic():
        if LeaderboardScore.objects.select_for_update().wallet_of(user_id).first() is None:
            return 0  # never earned anything (or the account is gone)
        rows = LeaderboardScore.objects.filter(user_id=user_id)
        wanted = None if boards is None else {(p, date.fromisoformat(s), c) for p, s, c in boards}
        entries = [
            ((row.period, row.starts_on, row.course_id), row.xp if row.listed and row.xp > 0 else 0)
            for row in rows.filter(starts_on__in=set(starts.values()))
            if starts[row.period] == row.starts_on
            and (wanted is None or (row.period, row.starts_on, row.course_id) in wanted)
        ]
        if entries:
            pipe = client().pipeline(transaction=False)
            for board, score in entries:
                pipe.zadd(key(board), {member(user_id): score})
            _guarded(pipe.execute)
    return len(entries)


def schedule_load(board: Board) -> None:
    """Asks a worker to load the board from the database, once while a load is pending."""
    from agora.core.jobs import enqueue
    from agora.gamification.tasks import load_leaderboard

    if _guarded(lambda: client().set(f"{key(board)}:loading", "1", nx=True, ex=LOAD_LOCK_SECONDS)):
        period, starts_on, course_id = board
        with transaction.atomic():
            enqueue(
                load_leaderboard,
                period=period,
                starts_on=starts_on.isoformat(),
                course_id=course_id,
            )


def load(board: Board) -> int:
    """Fills the board's set from the database and marks it ready. Returns the entries read."""
    period, starts_on, course_id = board
    name = key(board)
    rows = (
        LeaderboardScore.objects.filter(
            period=period,
            starts_on=starts_on,
            course_id=course_id,
            xp__gt=0,
            listed=True,
        )
        .values_list("user_id", "xp")
        .iterator(chunk_size=LOAD_BATCH)
    )
    redis_client = client()
    count = 0
    batch: dict[str, int] = {}
    for user_id, xp in rows:
        batch[member(user_id)] = xp
        count += 1
        if len(batch) >= LOAD_BATCH:
            _guarded(lambda b=batch: redis_client.zadd(name, b, nx=True))  # type: ignore[misc]
            batch = {}
    pipe = redis_client.pipeline(transaction=True)
    if batch:
        pipe.zadd(name, batch, nx=True)
    pipe.set(f"{name}:ready", "1")
    expire_at = _expire_at(board)
    if expire_at is not None:
        pipe.expireat(name, expire_at)
        pipe.expireat(f"{name}:ready", expire_at)
    pipe.delete(f"{name}:loading")
    _guarded(pipe.execute)
    logger.info("leaderboard %s loaded: %s entries", name, count)
    return count


def clear() -> int:
    """Forgets every board in Redis (after the database's scores were rebuilt): each is
    loaded again when next read. Raises `Unavailable` when Redis cannot be reached."""
    redis_client = client()
    pattern = f"{settings.LEADERBOARD_KEY_PREFIX}:*"
    names = _guarded(lambda: list(redis_client.scan_iter(match=pattern, count=1000)))
    for start in range(0, len(names), 1000):
        _guarded(lambda s=start: redis_client.delete(*names[s : s + 1000]))  # type: ignore[misc]
    return len(names)


def forget(board: Board, user_ids: Iterable[int]) -> None:
    """Drops people who no longer exist from a board (an erased account's rows are gone)."""
    members = [member(user_id) for user_id in user_ids]
    if members:
        _guarded(lambda: client().zrem(key(board), *members))


# --- reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Standing:
    top: list[tuple[int, int]]  # (user id, xp), best first
    me: tuple[int, int] | None  # (rank, xp)


def read(board: Board, *, user_id: int | None, top: int) -> Standing | None:
    """The top of a ready board and the person's rank on it; None when the board is not in
    Redis yet (a load is scheduled; read the database meanwhile)."""
    name = key(board)
    pipe = client().pipeline(transaction=True)
    pipe.exists(f"{name}:ready")
    pipe.zrevrangebyscore(name, "+inf", "(0", start=0, num=top, withscores=True)
    if user_id is not None:
        pipe.zscore(name, member(user_id))
        pipe.zrevrank(name, member(user_id))
    results = _guarded(pipe.execute)
    if not results[0]:
        schedule_load(board)
        return None
    leaders = [(user_of(value), int(score)) for value, score in results[1]]
    me = None
    if user_id is not None and results[2] is not None and results[2] > 0:
        me = (int(results[3]) + 1, int(results[2]))
    return Standing(top=leaders, me=me)
