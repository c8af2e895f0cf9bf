from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Rule(models.TextChoices):
    """Why XP is awarded. Each pays once per person and object."""

    LESSON_COMPLETED = "lesson_completed", "A lesson completed"
    QUIZ_PASSED = "quiz_passed", "A quiz passed"
    QUIZ_PERFECT = "quiz_perfect", "A quiz passed with 100 %"
    COURSE_COMPLETED = "course_completed", "A course completed"
    ANSWER_ACCEPTED = "answer_accepted", "An answer of mine accepted"
    HELPFUL_VOTE = "helpful_vote", "An up vote on my question or answer"
    STREAK_DAY = "streak_day", "A learning day in a streak"


class XpRule(models.Model):
    """How many points a rule pays, editable by admins (the admin site). `daily_cap` limits
    how many awards of the rule one person collects per day (helpful votes)."""

    rule = models.CharField(max_length=32, choices=Rule.choices, unique=True)
    points = models.PositiveIntegerField()
    daily_cap = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "XP rule"

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.points} XP"


class XpAward(models.Model):
    """One line of the XP ledger: points for a cause, or (`reverses`) the same points taken
    back. Never changed nor deleted; a person's XP is the sum of their lines."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xp_awards"
    )
    rule = models.CharField(max_length=32, choices=Rule.choices)
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64)
    points = models.IntegerField()
    # The course the cause belongs to, for its leaderboard (kept as a number: the ledger
    # outlives courses).
    course_id = models.BigIntegerField(null=True, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Which periods the points count in: the award's own moment, and for a reversal the
    # moment of the award it takes back (a week's board loses what that week had won).
    counts_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "rule", "object_type", "object_id"],
                condition=Q(reverses__isnull=True),
                name="xp_award_once_per_cause",
            )
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="xp_award_user"),
            models.Index(fields=["user", "rule", "created_at"], name="xp_award_user_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.points:+d} XP to {self.user_id} ({self.rule})"


class BadgeAward(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges"
    )
    code = models.CharField(max_length=32)
    awarded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code"], name="badge_once")]

    def __str__(self) -> str:
        return f"{self.code} for {self.user_id}"


class LearningDay(models.Model):
    """A day (in the person's own time zone) on which they learned something."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_days"
    )
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="learning_day_once")]
        indexes = [models.Index(fields=["user", "-day"], name="learning_day_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} learned on {self.day}"


class StreakReminder(models.Model):
    """A reminder sent for the person's day (their time zone): one a day at most."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="streak_reminders"
    )
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="streak_reminder_once")]

    def __str__(self) -> str:
        return f"reminder to {self.user_id} on {self.day}"


class Period(models.TextChoices):
    WEEKLY = "weekly", "This week"
    MONTHLY = "monthly", "This month"
    ALL_TIME = "all_time", "All time"


GLOBAL = 0  # the course id of the site-wide boards
ALL_TIME_START = date(1970, 1, 1)  # the first day of the all-time boards


class LeaderboardScoreQuerySet(models.QuerySet["LeaderboardScore"]):
    def wallet_of(self, user_id: int) -> "LeaderboardScoreQuerySet":
        """The person's all-time site-wide score row: locked (select_for_update), every award
        to them, every change of their listing and every sync of their boards waits on it."""
        return self.filter(
            period=Period.ALL_TIME, starts_on=ALL_TIME_START, course_id=GLOBAL, user_id=user_id
        )


class LeaderboardScore(models.Model):
    """A person's XP on one board: a period (its first day, UTC) and a course, or the whole
    site (`course_id` 0). Kept in step with the ledger in the award's transaction; rebuilt
    from it by `manage.py rebuild_leaderboards`."""

    period = models.CharField(max_length=10, choices=Period.choices)
    starts_on = models.DateField()
    course_id = models.BigIntegerField(default=GLOBAL)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leaderboard_scores"
    )
    xp = models.IntegerField(default=0)
    # Whether the person may be listed (active, and allows it): kept in step with the account
    # under the person's lock, so that a board is read, and a rank counted, on one index.
    listed = models.BooleanField(default=True)

    objects = LeaderboardScoreQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "starts_on", "course_id", "user"], name="leaderboard_score_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["period", "starts_on", "course_id", "-xp", "user"],
                condition=Q(listed=True, xp__gt=0),
                name="leaderboard_listed_rank",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.xp} XP ({self.period} {self.starts_on}, {self.course_id})"
