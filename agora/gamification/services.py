"""Awarding and taking back XP, badges and learning days. Everything a person earns is
serialised by a lock on their all-time score row, so daily caps, badges and board scores stay
exact under concurrency; each cause pays once by the ledger's unique constraint."""

import functools
import logging
import operator
import time
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, DateField, F, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.db.models.functions.datetime import TruncBase
from django.utils import timezone

from agora.accounts.models import User
from agora.core.inserts import insert_new
from agora.gamification import boards as redis_boards
from agora.gamification import queries
from agora.gamification.models import (
    GLOBAL,
    BadgeAward,
    LeaderboardScore,
    LearningDay,
    Period,
    Rule,
    StreakReminder,
    XpAward,
    XpRule,
)
from agora.gamification.rules import (
    BADGES,
    COUNTED_BADGES,
    DEFAULT_POINTS,
    EPOCH,
    level_for,
    level_start,
    period_starts,
)
from agora.live.publish import send_to_user
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify

logger = logging.getLogger(__name__)


# The admins' points, remembered by each process for this long (or until a change is saved
# in it): an award reads no rule row, and a change reaches every process within a minute.
RULES_MEMORY_SECONDS = 60.0
_rules: tuple[float, dict[str, tuple[int, int | None]]] = (-RULES_MEMORY_SECONDS, {})


def points_for(rule: str) -> tuple[int, int | None]:
    """(points, daily cap) that `rule` pays: the admins' row, else the default."""
    global _rules
    read_at, rows = _rules
    if time.monotonic() - read_at >= RULES_MEMORY_SECONDS:
        rows = {
            name: (points, cap)
            for name, points, cap in XpRule.objects.values_list("rule", "points", "daily_cap")
        }
        _rules = (time.monotonic(), rows)
    return rows.get(rule) or DEFAULT_POINTS[rule]


def forget_rules(**_: Any) -> None:
    """An admin changed the points: this process reads them again at the next award."""
    global _rules
    _rules = (-RULES_MEMORY_SECONDS, {})


def _wallet(user: User) -> LeaderboardScore:
    """The person's all-time site-wide score row, locked: every award to them waits here."""
    row = LeaderboardScore.objects.select_for_update().wallet_of(user.pk).first()
    if row is None:
        try:
            with transaction.atomic():
                LeaderboardScore.objects.create(
                    period=Period.ALL_TIME, starts_on=EPOCH, course_id=GLOBAL, user=user
                )
        except IntegrityError:
            pass  # created at the same moment by another award
        row = LeaderboardScore.objects.select_for_update().wallet_of(user.pk).get()
    return row


def _is_listed(user_id: int) -> bool:
    return User.objects.filter(pk=user_id, is_active=True, show_on_leaderboards=True).exists()


def _add_to_boards(user: User, points: int, *, course_id: int | None, at: datetime) -> None:
    """Adds the points to every board of the moment `at` (called under the wallet lock): one
    UPDATE of the rows the person has, then a row for each board they are new on."""
    courses = [GLOBAL] if not course_id else [GLOBAL, course_id]
    boards = [(p, s, c) for p, s in period_starts(at).items() for c in courses]
    theirs = LeaderboardScore.objects.filter(user=user).filter(
        functools.reduce(
            operator.or_, (Q(period=p, starts_on=s, course_id=c) for p, s, c in boards)
        )
    )
    if theirs.update(xp=F("xp") + points) < len(boards):
        present = {
            (str(p), s, c) for p, s, c in theirs.values_list("period", "starts_on", "course_id")
        }
        listed = _is_listed(user.pk)
        for period, starts_on, board in boards:
            if (str(period), starts_on, board) in present:
                continue
            key = {"period": period, "starts_on": starts_on, "course_id": board, "user": user}
            try:
                with transaction.atomic():
                    LeaderboardScore.objects.create(**key, xp=points, listed=listed)
            except IntegrityError:
                LeaderboardScore.objects.filter(**key).update(xp=F("xp") + points)
    redis_boards.changed(user.pk, boards)


def relist(user_id: int) -> int:
    """The person opted in or out, or was suspended, reinstated or erased: their scores are
    listed or not from now on. Returns how many scores changed."""
    with transaction.atomic():
        if LeaderboardScore.objects.select_for_update().wallet_of(user_id).first() is None:
            return 0  # nothing on any board
        listed = _is_listed(user_id)
        changed = (
            LeaderboardScore.objects.filter(user_id=user_id)
            .exclude(listed=listed)
            .update(listed=listed)
        )
        if changed:
            redis_boards.changed(user_id)
    return changed


def award(
    *,
    user: User,
    rule: str,
    object_type: str,
    object_id: object,
    course_id: int | None = None,
) -> XpAward | None:
    """Pays `rule`'s points for this cause, once. None when it paid before, the rule pays
    nothing, or today's cap for the rule is reached."""
    if not user.is_active:
        return None
    points, daily_cap = points_for(rule)
    if points <= 0:
        return None
    # No savepoint of its own: an award is written in its cause's transaction, and an error
    # fails the cause anyway (agora.core.events).
    with transaction.atomic(savepoint=False):
        wallet = _wallet(user)
        now = timezone.now()
        if daily_cap is not None:
            day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            today = XpAward.objects.filter(
                user=user, rule=rule, created_at__gte=day_start, reverses__isnull=True
            ).count()
            if today >= daily_cap:
                return None
        line: dict[str, Any] = {
            "user": user,
            "rule": rule,
            "object_type": object_type,
            "object_id": str(object_id),
            "points": points,
            "course_id": course_id,
            "created_at": now,
            "counts_at": now,
        }
        paid = insert_new(XpAward, **line)
        if paid is None:
            return None  # this cause has paid already
        row = XpAward(pk=paid, **line)
        _add_to_boards(user, points, course_id=course_id, at=now)
        _tell(user, points, Rule(rule).label, xp=wallet.xp + points)
        check_badges(user, rule=rule)
    return row


def take_back(*, user: User, rule: str, object_type: str, object_id: object) -> XpAward | None:
    """Reverses the award for this cause, if it was paid and not yet taken back."""
    with transaction.atomic():
        _wallet(user)
        original = XpAward.objects.filter(
            user=user,
            rule=rule,
            object_type=object_type,
            object_id=str(object_id),
            reverses__isnull=True,
        ).first()
        if original is None or XpAward.objects.filter(reverses=original).exists():
            return None
        row = XpAward.objects.create(
            user=user,
            rule=rule,
            object_type=object_type,
            object_id=str(object_id),
            points=-original.points,
            course_id=original.course_id,
            reverses=original,
            counts_at=original.counts_at,
        )
        _add_to_boards(user, row.points, course_id=row.course_id, at=original.counts_at)
    return row


def take_back_course(*, user: User, course_id: int) -> int:
    """A refunded (or otherwise revoked) course takes back what learning it earned."""
    taken = 0
    for rule, object_type, object_id in (
        XpAward.objects.filter(user=user, course_id=course_id, reverses__isnull=True)
        .filter(
            rule__in=[
                Rule.LESSON_COMPLETED,
                Rule.QUIZ_PASSED,
                Rule.QUIZ_PERFECT,
                Rule.COURSE_COMPLETED,
            ]
        )
        .values_list("rule", "object_type", "object_id")
    ):
        if take_back(user=user, rule=rule, object_type=object_type, object_id=object_id):
            taken += 1
    return taken


def _tell(user: User, points: int, reason: str, *, xp: int) -> None:
    """A toast on the person's open pages, once the award commits (`xp`: their total with
    it)."""
    level = level_for(xp)
    send_to_user(
        user.pk,
        {
            "type": "xp",
            "points": points,
            "reason": reason,
            "xp": xp,
            "level": level,
            "level_xp": level_start(level),
            "next_level_xp": level_start(level + 1),
        },
    )


# --- badges ----------------------------------------------------------------------------------


def _standing_counts(user: User, rules: Collection[str]) -> dict[str, int]:
    """How many awards of each of `rules` the person holds (not taken back): one query."""
    rows = (
        XpAward.objects.filter(user=user, rule__in=rules, reverses__isnull=True)
        .filter(reversal__isnull=True)
        .values("rule")
        .annotate(held=Count("id"))
        .values_list("rule", "held")
    )
    return dict(rows)


def check_badges(user: User, *, extra: Collection[str] = (), rule: str | None = None) -> list[str]:
    """Awards every badge whose criteria the person now meets (each once). `rule`: an
    award of that rule was just paid, so only the badges counting it can be new."""
    counted = [badge for badge in COUNTED_BADGES if rule is None or badge[1] == rule]
    if rule is not None and all(least == 1 for _, _, least in counted):
        held = {rule: 1}  # the award just paid: no need to count
    else:
        held = _standing_counts(user, {badge_rule for _, badge_rule, _ in counted})
    earned = set(extra)
    earned.update(code for code, of, least in counted if held.get(of, 0) >= least)
    if not earned:
        return []
    have = set(BadgeAward.objects.filter(user=user, code__in=earned).values_list("code", flat=True))
    new = sorted(earned - have)
    for code in new:
        if insert_new(BadgeAward, user=user, code=code) is None:
            continue  # earned at the same moment elsewhere
        badge = BADGES[code]
        notify(
            user,
            NotificationKind.BADGE_EARNED,
            title=f"You earned the “{badge.name}” badge",
            body=badge.description,
            url="/me/progress/",
        )
        send_to_user(user.pk, {"type": "badge", "badge": {"code": code, "name": badge.name}})
    return new


# --- learning days and streaks ---------------------------------------------------------------


def record_learning(user: User, moment: datetime | None = None) -> None:
    """The person learned something now: today (in their time zone) counts for their streak.
    From the streak's second day, each day pays the streak XP; 7 and 30 days earn badges."""
    if not user.is_active:
        return
    day = queries.local_day(user, moment)
    with transaction.atomic(savepoint=False):
        if insert_new(LearningDay, user=user, day=day) is None:
            return  # counted already
        current = queries.streak_ending(user, day)
        if current >= 2:
            award(user=user, rule=Rule.STREAK_DAY, object_type="day", object_id=day.isoformat())
        extra = {code for code, days in (("streak_7", 7), ("streak_30", 30)) if current >= days}
        if extra:
            check_badges(user, extra=extra)


def record_learning_many(moments: list[tuple[User, datetime]]) -> None:
    """`record_learning` for many people at once: one query finds the days already counted,
    so only each person's first moment of a new day costs more."""
    days = [(user, queries.local_day(user, moment), moment) for user, moment in moments]
    counted = set(
        LearningDay.objects.filter(
            user_id__in={user.pk for user, _, _ in days}, day__in={day for _, day, _ in days}
        ).values_list("user_id", "day")
    )
    for user, day, moment in days:
        if (user.pk, day) not in counted:
            record_learning(user, moment)
            counted.add((user.pk, day))


# --- reminders -------------------------------------------------------------------------------
EVENING = range(18, 21)  # 18:00 to 20:59 in the person's own time zone
MIN_STREAK_TO_REMIND = 2


def remind_streaks(now: datetime | None = None) -> int:
    """Tells people whose streak breaks at midnight if they do not learn today, in their
    evening, once a day (they can turn it off: the `streak_reminder` notification kind).
    Run every 30 minutes; looks only at people who learned in the last three days."""
    now = now or timezone.now()
    recent = now.astimezone(UTC).date() - timedelta(days=3)
    people = User.objects.filter(
        is_active=True, pk__in=LearningDay.objects.filter(day__gte=recent).values("user_id")
    )
    told = 0
    for person in people.iterator():
        local_now = queries.local_moment(person, now)
        if local_now.hour not in EVENING:
            continue
        today = local_now.date()
        current = queries.streak(person, today)
        if current.today or current.current < MIN_STREAK_TO_REMIND:
            continue
        try:
            with transaction.atomic():
                StreakReminder.objects.create(user=person, day=today)
                notify(
                    person,
                    NotificationKind.STREAK_REMINDER,
                    title=f"Keep your {current.current}-day learning streak going",
                    body="A lesson or a quiz before midnight keeps it alive.",
                    url="/my-learning/",
                )
        except IntegrityError:
            continue  # reminded today already
        told += 1
    return told


# --- rebuilding the boards -------------------------------------------------------------------
TRUNCATE_TO: dict[str, type[TruncBase]] = {Period.WEEKLY: TruncWeek, Period.MONTHLY: TruncMonth}


def _insert_sums(table: str, period: str, *, per_course: bool) -> int:
    """Writes one kind of board's scores: the ledger summed per person (and course) and
    period start. Returns how many rows it wrote."""
    ledger = XpAward.objects.all()
    fields = ["user_id"]
    if per_course:
        ledger = ledger.filter(course_id__isnull=False).exclude(course_id=GLOBAL)
        fields.append("course_id")
    if period in TRUNCATE_TO:
        start = TRUNCATE_TO[period]("counts_at", output_field=DateField(), tzinfo=UTC)
        ledger = ledger.annotate(start=start)
        fields.append("start")
    sums = ledger.values(*fields).annotate(xp=Sum("points")).order_by()
    select, params = sums.query.sql_with_params()
    # The SELECT lists the model's fields, then the annotations, in this order.
    names = [*sums.query.values_select, *sums.query.annotation_select]
    column = {"user_id": "user_id", "course_id": "course_id", "start": "starts_on", "xp": "xp"}
    constants: dict[str, Any] = {"period": str(period), "listed": True}  # unlisted: after
    if "start" not in names:
        constants["starts_on"] = EPOCH
    if "course_id" not in names:
        constants["course_id"] = GLOBAL
    targets = [column[name] for name in names] + list(constants)
    quoted = ", ".join(connection.ops.quote_name(target) for target in targets)
    sql = (
        f"INSERT INTO {table} ({quoted}) "  # noqa: S608 - our own table and columns
        f"SELECT sums.*, {', '.join(['%s'] * len(constants))} FROM ({select}) AS sums"
    )
    with connection.cursor() as cursor:
        # The constants' placeholders come first in the statement.
        cursor.execute(sql, [*constants.values(), *params])
        return max(cursor.rowcount, 0)


def rebuild_leaderboards() -> int:
    """Recomputes every board score from the ledger (after a restore, or to check them): the
    database sums it (INSERT ... SELECT, nothing passes through Python), then Redis is told to
    load its boards again. Awards wait meanwhile (the table is locked on PostgreSQL; SQLite
    has one writer anyway). Raises `boards.Unavailable` if the Redis boards could not be
    cleared (run it again once Redis is back)."""
    table = connection.ops.quote_name(LeaderboardScore._meta.db_table)
    count = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        LeaderboardScore.objects.all().delete()
        for period in Period:
            for per_course in (False, True):
                count += _insert_sums(table, period, per_course=per_course)
        LeaderboardScore.objects.filter(
            Q(user__is_active=False) | Q(user__show_on_leaderboards=False)
        ).update(listed=False)
    if redis_boards.enabled():
        redis_boards.clear()
    logger.info("leaderboards rebuilt: %s scores", count)
    return count
