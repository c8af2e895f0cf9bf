"""Course page views, counted without a database write on the request path.

With Redis (`VIEW_BUFFER_REDIS_URL`, by default `REDIS_URL`) a counted view is one `HINCRBY`
on a hash of pending counts (`<course id>:<day>` → views). A job folds the hash into the
database every minute (`fold_course_views`): it renames the hash to a batch of its own (so
new views start a fresh one), adds the batch to `Course.views_count` and the day's
`CourseDailyStat` in one transaction that also records the batch's name, and then deletes it.
A fold that dies before its commit leaves the batch for the next one; one that dies after it
finds the name recorded and only deletes the batch, so each view is counted exactly once.

Without Redis (the embedded default), or while Redis cannot be reached, a view is written
to the database at once, as before: slower, never lost.
"""

import logging
import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import Any, cast

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from agora.catalog.models import Course, CourseDailyStat, FoldedViewBatch
from agora.core.cache import UNREACHABLE, CircuitBreaker, breaker_for
from agora.core.cache import redis_client as _client

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 1.5
BATCHES_KEPT_DAYS = 2


def buffered() -> bool:
    return bool(settings.VIEW_BUFFER_REDIS_URL)


def client() -> redis.Redis:
    return _client(settings.VIEW_BUFFER_REDIS_URL)


def pending_key() -> str:
    return f"{settings.VIEW_BUFFER_KEY_PREFIX}:pending"


def _batch_pattern() -> str:
    return f"{settings.VIEW_BUFFER_KEY_PREFIX}:batch:*"


def counted_with_cache(course_id: int, day: date) -> tuple[str, str] | None:
    """Where a view of the course on `day` is counted (the pending hash and its field) when
    the buffer is the default cache's Redis, so that a first view can be counted in the
    round trip that marks it (read_ahead.ReadAhead.count_added); None otherwise."""
    default = settings.CACHES["default"]
    if not buffered() or default.get("LOCATION") != settings.VIEW_BUFFER_REDIS_URL:
        return None
    if default.get("BACKEND") != "agora.core.cache.ResilientRedisCache":
        return None
    return pending_key(), f"{course_id}:{day.isoformat()}"


def add_view(course_id: int, day: date) -> None:
    """One counted view of the course on `day`: buffered in Redis, or written at once."""
    if buffered():
        breaker = _breaker()
        if breaker.allows_call():
            try:
                client().hincrby(pending_key(), f"{course_id}:{day.isoformat()}", 1)
            except UNREACHABLE as exc:
                breaker.record_failure()
                logger.warning("view buffer unreachable (%s); writing views directly", exc)
            else:
                breaker.record_success()
                return
    write_views({(course_id, day): 1})


def take_back(course_id: int, day: date) -> None:
    """Takes back a view counted in the buffer before its course was known to be there to
    show (`counted_with_cache`, with a rebuild's lock). Redis alone holds that count: while
    it cannot be reached, the view stays counted, and a warning says so."""
    breaker = _breaker()
    if not breaker.allows_call():
        logger.warning("view buffer unreachable; a view of course %s stays counted", course_id)
        return
    try:
        client().hincrby(pending_key(), f"{course_id}:{day.isoformat()}", -1)
    except UNREACHABLE as exc:
        breaker.record_failure()
        logger.warning(
            "view buffer unreachable (%s); a view of course %s stays counted", exc, course_id
        )
    else:
        breaker.record_success()


def _breaker() -> CircuitBreaker:
    return breaker_for(f"{settings.VIEW_BUFFER_REDIS_URL}#views", BREAKER_SECONDS)


def write_views(counts: dict[tuple[int, date], int]) -> None:
    """Adds views to the courses' totals and their days' figures (inside the caller's
    transaction, if any)."""
    totals: dict[int, int] = defaultdict(int)
    for (course_id, day), views in sorted(counts.items()):
        totals[course_id] += views
        updated = CourseDailyStat.objects.filter(course_id=course_id, day=day).update(
            views=F("views") + views
        )
        if not updated:
            try:
                with transaction.atomic():
                    CourseDailyStat.objects.create(course_id=course_id, day=day, views=views)
            except IntegrityError:  # another writer created the day's row first
                CourseDailyStat.objects.filter(course_id=course_id, day=day).update(
                    views=F("views") + views
                )
    for course_id, views in sorted(totals.items()):
        Course.objects.filter(pk=course_id).update(views_count=F("views_count") + views)


def _parse(raw: dict[Any, Any]) -> dict[tuple[int, date], int]:
    counts: dict[tuple[int, date], int] = {}
    for field, value in raw.items():
        course_id, _, day = (field.decode() if isinstance(field, bytes) else field).partition(":")
        counts[(int(course_id), date.fromisoformat(day))] = int(value)
    return counts


def fold() -> int:
    """Moves the pending views into the database; returns how many views were folded.
    Safe to run concurrently and to repeat after a crash at any point."""
    if not buffered():
        return 0
    redis_client = client()
    # One fold at a time: another one deleting a batch this one has not committed yet could
    # lose it if this one then died.
    lock = redis_client.lock(f"{settings.VIEW_BUFFER_KEY_PREFIX}:folding", timeout=300)
    if not lock.acquire(blocking=False):
        return 0
    try:
        return _fold(redis_client)
    finally:
        lock.release()


def _fold(redis_client: redis.Redis) -> int:
    batch = f"{settings.VIEW_BUFFER_KEY_PREFIX}:batch:{uuid.uuid4().hex}"
    try:
        redis_client.rename(pending_key(), batch)
    except redis.ResponseError:
        pass  # nothing pending
    folded = 0
    for key in redis_client.scan_iter(match=_batch_pattern(), count=100):
        name = key.decode()
        counts = _parse(cast(dict[Any, Any], redis_client.hgetall(name)))
        with transaction.atomic():
            if FoldedViewBatch.objects.filter(name=name).exists():
                logger.info("view batch %s was folded before; dropping it", name)
            else:
                FoldedViewBatch.objects.create(name=name, views=sum(counts.values()))
                # Courses deleted since their views were counted are skipped.
                existing = set(
                    Course.objects.filter(pk__in={c for c, _ in counts}).values_list(
                        "pk", flat=True
                    )
                )
                # A view counted and taken back leaves a zero (take_back).
                write_views({k: v for k, v in counts.items() if k[0] in existing and v})
                folded += sum(counts.values())
        redis_client.delete(name)
    FoldedViewBatch.objects.filter(
        folded_at__lt=timezone.now() - timedelta(days=BATCHES_KEPT_DAYS)
    ).delete()
    return folded
