"""Reads of XP, levels, streaks, badges and leaderboards."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.catalog.models import Course, CourseStatus
from agora.gamification import boards
from agora.gamification.models import (
    GLOBAL,
    BadgeAward,
    LeaderboardScore,
    LearningDay,
    Period,
    XpAward,
)
from agora.gamification.rules import BADGES, level_for, level_start

TOP = 50
STREAK_LOOKBACK = 400  # days read to count a streak (a longer one still counts as 400+)


def total_xp(user: User) -> int:
    return (
        LeaderboardScore.objects.filter(period=Period.ALL_TIME, course_id=GLOBAL, user=user)
        .values_list("xp", flat=True)
        .first()
        or 0
    )


def ledger_total(user: User) -> int:
    """The person's XP summed from the ledger itself (what the boards must agree with)."""
    return XpAward.objects.filter(user=user).aggregate(total=Sum("points"))["total"] or 0


def streak_ending(user: User, day: date) -> int:
    """How many consecutive learning days end on `day` (0 if they did not learn that day)."""
    days = set(
        LearningDay.objects.filter(
            user=user, day__lte=day, day__gt=day - timedelta(days=STREAK_LOOKBACK)
        ).values_list("day", flat=True)
    )
    count = 0
    while day - timedelta(days=count) in days:
        count += 1
    return count


def longest_streak(user: User) -> int:
    longest = run = 0
    previous: date | None = None
    for day in LearningDay.objects.filter(user=user).order_by("day").values_list("day", flat=True):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    return longest


@dataclass(frozen=True)
class Streak:
    current: int
    longest: int
    today: bool


def streak(user: User, today: date) -> Streak:
    """The current streak counts through yesterday when today has no learning yet (it is not
    broken until the day ends)."""
    learned_today = LearningDay.objects.filter(user=user, day=today).exists()
    current = streak_ending(user, today if learned_today else today - timedelta(days=1))
    return Streak(current=current, longest=max(current, longest_streak(user)), today=learned_today)


def badges_of(user: User) -> list[dict[str, Any]]:
    rows = BadgeAward.objects.filter(user=user).order_by("awarded_at", "id")
    return [
        {
            "code": row.code,
            "name": BADGES[row.code].name,
            "description": BADGES[row.code].description,
            "awarded_at": row.awarded_at,
        }
        for row in rows
        if row.code in BADGES
    ]


def summary(user: User, today: date) -> dict[str, Any]:
    xp = total_xp(user)
    level = level_for(xp)
    return {
        "xp": xp,
        "level": level,
        "level_xp": level_start(level),
        "next_level_xp": level_start(level + 1),
        "streak": streak(user, today).__dict__,
        "badges": badges_of(user),
    }


def xp_history(user: User) -> QuerySet[XpAward]:
    return XpAward.objects.filter(user=user).order_by("-created_at", "-id")


# --- leaderboards ----------------------------------------------------------------------------


def _board(period: str, starts_on: date, course_id: int) -> QuerySet[LeaderboardScore]:
    """Who is listed: people who allow it, active, with XP in the period (one partial index
    holds exactly them, in rank order)."""
    return LeaderboardScore.objects.filter(
        period=period, starts_on=starts_on, course_id=course_id, listed=True, xp__gt=0
    )


def leaderboard(
    *, period: str, starts_on: date, course_id: int, viewer: Viewer, top: int = TOP
) -> dict[str, Any]:
    """The top of the board, ties in order of who joined first (lower id), and the viewer's
    own rank and XP (null when they are not on it). From Redis where it holds the board,
    else from the database: the same answer."""
    if boards.enabled():
        answer = _leaderboard_from_redis((period, starts_on, course_id), viewer, top)
        if answer is not None:
            return answer
    return _leaderboard_from_database(period, starts_on, course_id, viewer, top)


def _leaderboard_from_redis(board: boards.Board, viewer: Viewer, top: int) -> dict[str, Any] | None:
    try:
        standing = boards.read(
            board, user_id=viewer.pk if viewer.is_authenticated else None, top=top
        )
    except boards.Unavailable:
        return None
    if standing is None:
        return None
    names = dict(
        User.objects.filter(pk__in=[user_id for user_id, _ in standing.top]).values_list(
            "id", "name"
        )
    )
    gone = [user_id for user_id, _ in standing.top if user_id not in names]
    if gone:
        try:
            boards.forget(board, gone)
        except boards.Unavailable:
            pass
        return None  # the database answers this once; Redis the next time
    items = [
        {"rank": index + 1, "user": {"id": user_id, "name": names[user_id]}, "xp": xp}
        for index, (user_id, xp) in enumerate(standing.top)
    ]
    me = None if standing.me is None else {"rank": standing.me[0], "xp": standing.me[1]}
    return {"items": items, "me": me}


def _leaderboard_from_database(
    period: str, starts_on: date, course_id: int, viewer: Viewer, top: int
) -> dict[str, Any]:
    rows = list(
        _board(period, starts_on, course_id).select_related("user").order_by("-xp", "user_id")[:top]
    )
    items = [
        {"rank": index + 1, "user": {"id": row.user_id, "name": row.user.name}, "xp": row.xp}
        for index, row in enumerate(rows)
    ]
    me = None
    if viewer.is_authenticated:
        mine = _board(period, starts_on, course_id).filter(user_id=viewer.pk).first()
        if mine is not None:
            ahead = (
                _board(period, starts_on, course_id)
                .filter(xp__gte=mine.xp)
                .filter(Q(xp__gt=mine.xp) | Q(user_id__lt=viewer.pk))
                .count()
            )
            me = {"rank": ahead + 1, "xp": mine.xp}
    return {"items": items, "me": me}


def local_moment(user: User, moment: datetime | None = None) -> datetime:
    """The moment on the person's own clock (UTC when their time zone is unknown)."""
    moment = moment or timezone.now()
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return moment.astimezone(zone)


def local_day(user: User, moment: datetime | None = None) -> date:
    """The date in the person's own time zone."""
    return local_moment(user, moment).date()


def public_profile(person: User) -> dict[str, Any]:
    """What a public page shows (the caller checked that the person has one)."""
    xp = total_xp(person)
    courses = (
        Course.objects.filter(status=CourseStatus.PUBLISHED)
        .filter(Q(owner=person) | Q(co_instructors__user=person))
        .distinct()
        .order_by("-enrollments_count", "id")
    )
    return {
        "id": person.pk,
        "name": person.name,
        "headline": person.headline,
        "level": level_for(xp),
        "xp": xp,
        "badges": badges_of(person),
        "courses_taught": list(courses),
    }
