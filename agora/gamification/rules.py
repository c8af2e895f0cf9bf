"""The rules of the game, in one place: default points, the level curve, the badges.

Points (admins change them on the admin site, `XpRule`; these are the defaults):

| rule | XP | pays once per |
|---|---|---|
| lesson completed | 10 | lesson |
| quiz passed | 20 | quiz |
| quiz passed with 100 % | +10 | quiz |
| course completed | 100 | course |
| answer accepted | 25 | answer |
| helpful vote (an up vote on my question or answer) | 5, at most 10 a day | voter and post |
| learning day in a streak (the 2nd consecutive day on) | 5 | day |

Levels: level L starts at 50 * L * (L - 1) XP: level 1 at 0, 2 at 100, 3 at 300, 4 at 600,
5 at 1,000, 10 at 4,500. Each level takes 100 XP more than the one before.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from agora.gamification.models import ALL_TIME_START, Period, Rule

DEFAULT_POINTS: dict[str, tuple[int, int | None]] = {
    Rule.LESSON_COMPLETED: (10, None),
    Rule.QUIZ_PASSED: (20, None),
    Rule.QUIZ_PERFECT: (10, None),
    Rule.COURSE_COMPLETED: (100, None),
    Rule.ANSWER_ACCEPTED: (25, None),
    Rule.HELPFUL_VOTE: (5, 10),
    Rule.STREAK_DAY: (5, None),
}


EPOCH = ALL_TIME_START


def period_starts(moment: datetime) -> dict[str, date]:
    """The first day of each board's period holding `moment`, in UTC: the ISO week (from
    Monday 00:00 UTC), the calendar month, and all time."""
    day = moment.astimezone(UTC).date()
    return {
        Period.WEEKLY: day - timedelta(days=day.weekday()),
        Period.MONTHLY: day.replace(day=1),
        Period.ALL_TIME: EPOCH,
    }


def period_end(period: str, starts_on: date) -> date | None:
    """The first day after the period (None for all time)."""
    if period == Period.WEEKLY:
        return starts_on + timedelta(days=7)
    if period == Period.MONTHLY:
        return (starts_on.replace(day=28) + timedelta(days=4)).replace(day=1)
    return None


def level_start(level: int) -> int:
    """The XP at which `level` begins."""
    return 50 * level * (level - 1)


def level_for(xp: int) -> int:
    level = 1
    while level_start(level + 1) <= xp:
        level += 1
    return level


@dataclass(frozen=True)
class BadgeInfo:
    code: str
    name: str
    description: str  # how to earn it, shown while it is locked


BADGES: dict[str, BadgeInfo] = {
    badge.code: badge
    for badge in (
        BadgeInfo("first_lesson", "First step", "Complete your first lesson."),
        BadgeInfo("first_course", "Graduate", "Complete a whole course."),
        BadgeInfo("five_courses", "Lifelong learner", "Complete five courses."),
        BadgeInfo("quiz_ace", "Quiz ace", "Pass a quiz with every answer right."),
        BadgeInfo("streak_7", "Week streak", "Learn on seven days in a row."),
        BadgeInfo("streak_30", "Month streak", "Learn on thirty days in a row."),
        BadgeInfo("helpful", "Helpful answerer", "Have five of your answers accepted."),
        BadgeInfo("first_sale", "First sale", "Sell your first course (instructors)."),
    )
}

# Badges earned by holding enough awards of a rule (not taken back): code, rule, how many.
# The streak badges and the first sale are awarded by their own events.
COUNTED_BADGES: tuple[tuple[str, str, int], ...] = (
    ("first_lesson", Rule.LESSON_COMPLETED, 1),
    ("first_course", Rule.COURSE_COMPLETED, 1),
    ("five_courses", Rule.COURSE_COMPLETED, 5),
    ("quiz_ace", Rule.QUIZ_PERFECT, 1),
    ("helpful", Rule.ANSWER_ACCEPTED, 5),
)
