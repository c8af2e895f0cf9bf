"""Playback positions and watching time, written behind the request.

Every watching learner's player reports its position every few seconds. With Redis
(`POSITION_BUFFER_REDIS_URL`, by default `REDIS_URL`) a report is one pipelined transaction:

- `<prefix>:latest:<user>`, a hash lesson → `seconds:ms`, the learner's own latest positions:
  reads (the player's resume, `GET /courses/{id}/progress`) lay it over the database rows
  that are older, so a learner always sees where they stopped (kept 7 days after the last
  report, far longer than any fold takes);
- `<prefix>:pending`, a hash of what the database still has to learn: `p:<user>:<lesson>:
  <course>:<learner>` → `seconds:ms` (the latest position wins) and `s:<user>:<lesson>:<course>:
  <day>:<learner>` → seconds watched that UTC day (`HINCRBY`), plus the first and last moment
  of each UTC day a learner watched (`f:`/`l:<user>:<day>`, for their streak).

The `fold_positions` job folds the pending hash into `LessonProgress`, `CourseLearningTime`
(per UTC day), `LessonActivityDay` (per site day: the `s:` fields end with it) and the
enrollment's "continue" lesson every minute, the way page views are folded
(agora/catalog/view_counts.py): it renames the hash to a batch, applies the batch in one
transaction that records its name (`FoldedPositionBatch`), then deletes it. A fold that dies
before its commit leaves the batch for the next one; one that dies after it finds the name and
only deletes the batch: everything lands exactly once. With no worker, reports wait in Redis.

Without Redis (the embedded default), or while Redis cannot be reached, the report is written
to the database at once by the caller: slower, never lost, and the learner gets no error.
"""

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import redis
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog.models import Lesson
from agora.core.cache import UNREACHABLE, breaker_for
from agora.core.cache import redis_client as _client
from agora.core.events import emit
from agora.core.schemas import INT32_MAX
from agora.learning import events
from agora.learning.models import (
    CourseLearningTime,
    Enrollment,
    FoldedPositionBatch,
    LessonActivityDay,
    LessonProgress,
)

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 1.5
LATEST_KEPT_SECONDS = 7 * 24 * 3600
BATCHES_KEPT_DAYS = 2


def buffered() -> bool:
    return bool(settings.POSITION_BUFFER_REDIS_URL)


def client() -> redis.Redis:
    return _client(settings.POSITION_BUFFER_REDIS_URL)


def _key(name: str) -> str:
    return f"{settings.POSITION_BUFFER_KEY_PREFIX}:{name}"


def pending_key() -> str:
    return _key("pending")


def latest_key(user_id: int) -> str:
    return _key(f"latest:{user_id}")


def _breaker() -> Any:
    return breaker_for(f"{settings.POSITION_BUFFER_REDIS_URL}#positions", BREAKER_SECONDS)


@dataclass(frozen=True)
class Report:
    user_id: int
    lesson_id: int
    course_id: int
    seconds: int
    spent: int
    learner: bool  # an enrolled learner (time counts as learning), not staff going through


def buffer(report: Report, now: datetime | None = None) -> bool:
    """Puts the report in Redis; False when there is no buffer or it cannot be reached (the
    caller then writes it at once)."""
    if not buffered():
        return False
    breaker = _breaker()
    if not breaker.allows_call():
        return False
    moment = now or timezone.now()
    ms = int(moment.timestamp() * 1000)
    day = moment.astimezone(UTC).date().isoformat()
    local_day = site_day(moment).isoformat()
    flag = int(report.learner)
    user, lesson, course = report.user_id, report.lesson_id, report.course_id
    try:
        pipe = client().pipeline(transaction=True)
        pipe.hset(latest_key(user), str(lesson), f"{report.seconds}:{ms}")
        pipe.expire(latest_key(user), LATEST_KEPT_SECONDS)
        pipe.hset(pending_key(), f"p:{user}:{lesson}:{course}:{flag}", f"{report.seconds}:{ms}")
        if report.spent > 0:
            watched = f"s:{user}:{lesson}:{course}:{day}:{flag}:{local_day}"
            pipe.hincrby(pending_key(), watched, report.spent)
            if report.learner:
                pipe.hsetnx(pending_key(), f"f:{user}:{day}", str(ms))
                pipe.hset(pending_key(), f"l:{user}:{day}", str(ms))
        pipe.execute()
    except UNREACHABLE as exc:
        breaker.record_failure()
        logger.warning("position buffer unreachable (%s); writing positions directly", exc)
        return False
    breaker.record_success()
    return True


def latest_positions(user_id: int) -> dict[int, tuple[int, datetime]]:
    """The learner's buffered positions: lesson → (seconds, when reported). Empty without
    Redis or while it cannot be reached (the database then has the latest)."""
    if not buffered() or not _breaker().allows_call():
        return {}
    try:
        raw = cast(dict[bytes, bytes], client().hgetall(latest_key(user_id)))
    except UNREACHABLE as exc:
        _breaker().record_failure()
        logger.warning("position buffer unreachable (%s); reading the database", exc)
        return {}
    found = {}
    for lesson, value in raw.items():
        seconds, _, ms = value.decode().partition(":")
        found[int(lesson)] = (int(seconds), _moment(ms))
    return found


def _moment(ms: str | bytes) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC)


# --- folding ---------------------------------------------------------------------------------
@dataclass
class Batch:
    positions: dict[tuple[int, int], tuple[int, datetime, int, bool]]  # (user, lesson) → …
    spent: dict[tuple[int, int, int, date, bool], int]  # (user, lesson, course, day, learner)
    moments: dict[tuple[int, date], set[datetime]]  # a learner's first and last watch per day
    # (user, lesson, course, the site's day) → seconds watched that day, for LessonActivityDay
    activity: dict[tuple[int, int, int, date], int]

    @property
    def size(self) -> int:
        return len(self.positions) + len(self.spent)


def parse(raw: dict[Any, Any]) -> Batch:
    batch = Batch({}, defaultdict(int), defaultdict(set), defaultdict(int))
    for field, value in raw.items():
        kind, *parts = (field.decode() if isinstance(field, bytes) else field).split(":")
        text = value.decode() if isinstance(value, bytes) else str(value)
        if kind == "p":
            user, lesson, course, flag = (int(p) for p in parts)
            seconds, _, ms = text.partition(":")
            position = (int(seconds), _moment(ms), course, bool(flag))
            known = batch.positions.get((user, lesson))
            if known is None or known[1] <= position[1]:
                batch.positions[(user, lesson)] = position
        elif kind == "s":
            user, lesson, course = (int(p) for p in parts[:3])
            day = date.fromisoformat(parts[3])
            key = (user, lesson, course, day, parts[4] == "1")
            batch.spent[key] += int(text)
            # The site's day (reports buffered before it was recorded: the UTC day).
            local = date.fromisoformat(parts[5]) if len(parts) > 5 else day
            batch.activity[(user, lesson, course, local)] += int(text)
        elif kind in {"f", "l"}:
            batch.moments[(int(parts[0]), date.fromisoformat(parts[1]))].add(_moment(text))
    return batch


def fold() -> int:
    """Moves the buffered reports into the database; returns how many entries were folded.
    Safe to run concurrently and to repeat after a crash at any point."""
    if not buffered():
        return 0
    redis_client = client()
    # One fold at a time: another deleting a batch this one has not committed yet could
    # lose it if this one then died.
    lock = redis_client.lock(_key("folding"), timeout=300)
    if not lock.acquire(blocking=False):
        return 0
    try:
        return _fold(redis_client)
    finally:
        lock.release()


def _fold(redis_client: redis.Redis) -> int:
    name = _key(f"batch:{uuid.uuid4().hex}")
    try:
        redis_client.rename(pending_key(), name)
    except redis.ResponseError:
        pass  # nothing pending
    folded = 0
    for key in redis_client.scan_iter(match=_key("batch:*"), count=100):
        batch_name = key.decode()
        batch = parse(cast(dict[Any, Any], redis_client.hgetall(batch_name)))
        with transaction.atomic():
            if FoldedPositionBatch.objects.filter(name=batch_name).exists():
                logger.info("position batch %s was folded before; dropping it", batch_name)
            else:
                FoldedPositionBatch.objects.create(name=batch_name, entries=batch.size)
                apply(batch)
                folded += batch.size
        redis_client.delete(batch_name)
    FoldedPositionBatch.objects.filter(
        folded_at__lt=timezone.now() - timedelta(days=BATCHES_KEPT_DAYS)
    ).delete()
    return folded


def apply(batch: Batch) -> None:
    """Writes a batch (in the caller's transaction): a few statements per table, whatever its
    size. Lessons and people deleted since their reports were buffered are skipped."""
    wanted = {k[1] for k in batch.positions} | {k[1] for k in batch.spent}
    lessons: dict[int, int] = dict(  # lesson → its course, for lessons that still exist
        Lesson.objects.filter(pk__in=wanted).values_list("pk", "module__course_id")
    )
    users = {
        u.pk: u
        for u in User.objects.filter(
            pk__in={k[0] for k in batch.positions}
            | {k[0] for k in batch.spent}
            | {k[0] for k in batch.moments}
        )
    }
    spent_per_row: dict[tuple[int, int], int] = defaultdict(int)
    learning: dict[tuple[int, int, date], int] = defaultdict(int)
    for (user, lesson, course, day, learner), seconds in batch.spent.items():
        if lesson in lessons and user in users:
            spent_per_row[(user, lesson)] += seconds
            if learner:
                learning[(user, course, day)] += seconds
    rows = sorted(
        k for k in {*batch.positions, *spent_per_row} if k[1] in lessons and k[0] in users
    )
    # Enrollments first, as completing a lesson locks them (before its progress row).
    _mark_studied(batch, lessons)
    _write_progress(rows, batch.positions, spent_per_row, lessons)
    _upsert(
        CourseLearningTime,
        ("user_id", "course_id", "day", "seconds"),
        ("user_id", "course_id", "day"),
        _added("seconds"),
        [(u, c, _day(d), s) for (u, c, d), s in sorted(learning.items())],
    )
    _add_activity(batch, lessons, users)
    # The first and last moment of each learner's UTC days: the streak counts their own days.
    learned = sorted(
        (user, moment)
        for (user, _day), moments in batch.moments.items()
        if user in users
        for moment in moments
    )
    if learned:
        emit(events.LEARNED_MANY, moments=[(users[user], moment) for user, moment in learned])


# The SET clause of an upsert sees the row as it was as `row`, the new one as `excluded`.
PROGRESS_COLUMNS = (
    "user_id", "lesson_id", "course_id", "position_seconds", "seconds_spent", "started_at",
    "updated_at",
)  # fmt: skip
# A report written at once later (Redis was down for a while) is newer: its position stays.
NEWER_POSITION = (
    "position_seconds = CASE WHEN row.updated_at <= excluded.updated_at "
    "THEN excluded.position_seconds ELSE row.position_seconds END, "
    "updated_at = CASE WHEN row.updated_at > excluded.updated_at "
    "THEN row.updated_at ELSE excluded.updated_at END"
)
UPSERT_ROWS = 500  # rows per statement


def _write_progress(
    rows: list[tuple[int, int]],
    positions: dict[tuple[int, int], tuple[int, datetime, int, bool]],
    spent: dict[tuple[int, int], int],
    lessons: dict[int, int],
) -> None:
    """Each row's watched seconds added and its position moved, created when missing (a new
    row starts when its first report was made)."""
    now = _moment_value(timezone.now())
    moved, watched = [], []
    for user, lesson in rows:
        row = (user, lesson, lessons[lesson])
        position = positions.get((user, lesson))
        if position is None:
            watched.append((*row, 0, spent.get((user, lesson), 0), now, now))
        else:
            moment = _moment_value(position[1])
            moved.append((*row, position[0], spent.get((user, lesson), 0), moment, moment))
    conflict = ("user_id", "lesson_id")
    added = _added("seconds_spent")
    _upsert(LessonProgress, PROGRESS_COLUMNS, conflict, added, watched)
    _upsert(LessonProgress, PROGRESS_COLUMNS, conflict, f"{added}, {NEWER_POSITION}", moved)


def _upsert(
    model: type[Model],
    columns: tuple[str, ...],
    unique: tuple[str, ...],
    changes: str,
    rows: list[tuple[Any, ...]],
) -> None:
    """INSERT … ON CONFLICT (`unique`) DO UPDATE SET `changes`, UPSERT_ROWS rows a statement
    (PostgreSQL and SQLite alike). The rows must not repeat a key."""
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_ROWS):
            part = rows[start : start + UPSERT_ROWS]
            # Constant table and column names; the values are parameters.
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} AS row ({', '.join(columns)}) "  # noqa: S608
                f"VALUES {', '.join([one] * len(part))} "
                f"ON CONFLICT ({', '.join(unique)}) DO UPDATE SET {changes}",
                [value for row in part for value in row],
            )


def _added(column: str) -> str:
    """The SET clause adding the new row's `column` to the old one's; the sum stops at what
    the integer column holds (the headroom is taken first, so it never overflows)."""
    return (
        f"{column} = CASE WHEN row.{column} > {INT32_MAX} - excluded.{column} "
        f"THEN {INT32_MAX} ELSE row.{column} + excluded.{column} END"
    )


def _moment_value(moment: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


def _day(day: date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _add_activity(batch: Batch, lessons: dict[int, int], users: dict[int, User]) -> None:
    """Each person's seconds per lesson and site day, and where playback stood at the last
    report of the batch (on that report's day)."""
    watched: dict[tuple[int, int, date], int] = defaultdict(int)  # (user, lesson, day)
    for (user, lesson, _course, day), seconds in batch.activity.items():
        watched[(user, lesson, day)] += seconds
    last: dict[tuple[int, int, date], int | None] = dict.fromkeys(watched)
    for (user, lesson), (position, moment, _course, _learner) in batch.positions.items():
        last[(user, lesson, site_day(moment))] = position
    add_activity(
        [
            (user, lesson, lessons[lesson], day, watched.get((user, lesson, day), 0), position)
            for (user, lesson, day), position in sorted(last.items())
            if lesson in lessons and user in users
        ]
    )


def site_day(moment: datetime) -> date:
    """The calendar day of `moment` in the site's time zone (TIME_ZONE)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def add_lesson_activity(
    user_id: int, lesson_id: int, course_id: int, day: date, *, seconds: int, position: int | None
) -> None:
    """Adds the seconds to the person's activity in the lesson that day and, when given, keeps
    the position: one upsert, in the caller's transaction."""
    add_activity([(user_id, lesson_id, course_id, day, seconds, position)])


def add_activity(rows: list[tuple[int, int, int, date, int, int | None]]) -> None:
    """(person, lesson, course, day, seconds, position or None to keep it) rows added to
    `LessonActivityDay`, a few statements for any number of rows."""
    columns = ("user_id", "lesson_id", "course_id", "day", "seconds", "position_seconds")
    unique = ("user_id", "lesson_id", "day")
    kept = [(u, pk, c, _day(d), s, 0) for u, pk, c, d, s, position in rows if position is None]
    moved = [(u, pk, c, _day(d), s, p) for u, pk, c, d, s, p in rows if p is not None]
    added = _added("seconds")
    _upsert(LessonActivityDay, columns, unique, added, kept)
    moving = f"{added}, position_seconds = excluded.position_seconds"
    _upsert(LessonActivityDay, columns, unique, moving, moved)


def add_learning_time(user_id: int, course_id: int, day: date, seconds: int) -> None:
    """Adds to the learner's time in the course that day (in the caller's transaction)."""
    _upsert(
        CourseLearningTime,
        ("user_id", "course_id", "day", "seconds"),
        ("user_id", "course_id", "day"),
        _added("seconds"),
        [(user_id, course_id, _day(day), seconds)],
    )


def _mark_studied(batch: Batch, lessons: dict[int, int]) -> None:
    """Each learner's last watched lesson per course becomes where "continue" takes them,
    unless something newer happened there: one UPDATE per UPSERT_ROWS enrollments."""
    last: dict[tuple[int, int], tuple[datetime, int]] = {}
    for (user, lesson), (_s, moment, course, learner) in batch.positions.items():
        if learner and lesson in lessons and last.get((user, course), (moment, 0))[0] <= moment:
            last[(user, course)] = (moment, lesson)
    marks = [
        (user, course, lesson, _moment_value(moment))
        for (user, course), (moment, lesson) in sorted(last.items())
    ]
    table = Enrollment._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(marks), UPSERT_ROWS):
            part = marks[start : start + UPSERT_ROWS]
            # VALUES columns are column1… on both databases; constant names, values are
            # parameters.
            cursor.execute(
                f"UPDATE {table} SET last_lesson_id = mark.column3, "  # noqa: S608
                "last_activity_at = mark.column4 "
                f"FROM (VALUES {', '.join(['(%s, %s, %s, %s)'] * len(part))}) AS mark "
                f"WHERE {table}.learner_id = mark.column1 AND {table}.course_id = mark.column2 "
                f"AND {table}.revoked_at IS NULL AND ({table}.last_activity_at IS NULL "
                f"OR {table}.last_activity_at <= mark.column4)",
                [value for mark in part for value in mark],
            )
