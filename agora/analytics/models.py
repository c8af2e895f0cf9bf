"""Daily rollups the dashboards read instead of raw rows, and the export jobs.

Every rollup row is derived: `agora.analytics.rollups` rewrites the rows of a window of days
from the raw data (orders, the ledger, enrollments, progress, reviews, page views), so a
rollup can always be rebuilt and equals a recount. Days are calendar days in the site's time
zone (TIME_ZONE). Enrollment cohorts (CourseCohortDay) are keyed by the day of enrollment
but describe those enrollments now; the job rewrites the days whose enrollments moved.
"""

import uuid

from django.conf import settings
from django.db import models


class CourseSalesDay(models.Model):
    """A course's sales (by the day paid), refunds (by the day refunded) and chargebacks (by
    the day the dispute was lost) in one currency. Amounts: item prices after discounts,
    tax excluded, minor units."""

    course = models.ForeignKey(
        "catalog.Course", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    currency = models.CharField(max_length=3)
    sales = models.PositiveIntegerField(default=0)
    coupon_sales = models.PositiveIntegerField(default=0)
    gross = models.BigIntegerField(default=0)
    platform = models.BigIntegerField(default=0)
    refunds = models.PositiveIntegerField(default=0)
    refunded = models.BigIntegerField(default=0)
    refunded_platform = models.BigIntegerField(default=0)
    chargebacks = models.PositiveIntegerField(default=0)
    charged_back = models.BigIntegerField(default=0)
    charged_back_platform = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "day", "currency"], name="analytics_course_sales_once"
            )
        ]
        indexes = [
            models.Index(fields=["day", "currency"], name="course_sales_day"),
            # Covers the admin's per-course sums over days: read from the index alone.
            models.Index(
                fields=["currency", "day", "course", "gross", "refunded", "charged_back", "sales"],
                name="course_sales_totals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} on {self.day} ({self.currency})"


class InstructorShareDay(models.Model):
    """An instructor's share of a course's sales of a day, and what refunds and chargebacks
    took back from it."""

    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    currency = models.CharField(max_length=3)
    share = models.BigIntegerField(default=0)
    reversed = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instructor", "course", "day", "currency"],
                name="analytics_share_once",
            )
        ]
        indexes = [
            models.Index(fields=["day"], name="share_day"),
            # Covers the admin's per-instructor sums over days: read from the index alone.
            models.Index(
                fields=["currency", "day", "instructor", "share", "reversed"],
                name="share_totals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instructor_id} on {self.course_id}, {self.day}"


class CourseSalesMonth(models.Model):
    """CourseSalesDay summed by calendar month (`month` is its first day): long ranges read
    whole months here and only their partial months from the days."""

    course = models.ForeignKey(
        "catalog.Course", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    month = models.DateField()
    currency = models.CharField(max_length=3)
    revenue = models.BigIntegerField(default=0)
    sales = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "month", "currency"], name="analytics_course_month_once"
            )
        ]
        indexes = [models.Index(fields=["month", "currency"], name="course_sales_month")]

    def __str__(self) -> str:
        return f"{self.course_id} in {self.month:%Y-%m} ({self.currency})"


class InstructorShareMonth(models.Model):
    """InstructorShareDay summed by calendar month: what the instructor kept."""

    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    month = models.DateField()
    currency = models.CharField(max_length=3)
    earned = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instructor", "month", "currency"], name="analytics_share_month_once"
            )
        ]
        indexes = [models.Index(fields=["month", "currency"], name="share_month")]

    def __str__(self) -> str:
        return f"{self.instructor_id} in {self.month:%Y-%m} ({self.currency})"


class CourseDay(models.Model):
    """A course's learning figures of a day: new enrollments by source, completions, page
    views (one per visitor per day, as the catalog counts them) and reviews written."""

    course = models.ForeignKey(
        "catalog.Course", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    enrollments_purchase = models.PositiveIntegerField(default=0)
    enrollments_free = models.PositiveIntegerField(default=0)
    enrollments_grant = models.PositiveIntegerField(default=0)
    enrollments_gift = models.PositiveIntegerField(default=0)
    enrollments_subscription = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)
    views = models.PositiveIntegerField(default=0)
    reviews = models.PositiveIntegerField(default=0)
    rating_total = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "day"], name="analytics_course_day_once")
        ]
        indexes = [models.Index(fields=["day"], name="course_day_day")]

    def __str__(self) -> str:
        return f"{self.course_id} on {self.day}"


class MoneyDay(models.Model):
    """The platform's money of a day in one currency, from the ledger: what buyers paid (tax
    included), refunded, charged back; tax and commission net of reversals."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    gross = models.BigIntegerField(default=0)
    refunds = models.BigIntegerField(default=0)
    chargebacks = models.BigIntegerField(default=0)
    tax = models.BigIntegerField(default=0)
    platform = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "currency"], name="analytics_money_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.day} ({self.currency})"


class PeopleDay(models.Model):
    """Sign-ups, new instructors (their first course created that day) and learners active
    that day (distinct)."""

    day = models.DateField(unique=True)
    signups = models.PositiveIntegerField(default=0)
    new_instructors = models.PositiveIntegerField(default=0)
    active_learners = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.day)


class LearnerDay(models.Model):
    """A learner was active on a day (progress saved or a quiz taken): distinct counts over
    any range (weekly, monthly active learners, cohorts) without reading progress rows.
    Kept even after the raw rows move on (progress rows keep only their last update)."""

    day = models.DateField()
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    joined_week = models.DateField(help_text="Monday of the learner's sign-up week.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "learner"], name="analytics_learner_day_once")
        ]
        indexes = [
            models.Index(fields=["joined_week", "day"], name="learner_day_cohort"),
            models.Index(fields=["learner", "day"], name="learner_day_learner"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} on {self.day}"


class ActivityGapDay(models.Model):
    """How many learners active on `day` were last active before on `previous_day` (empty:
    never before). A learner is active in a range [a, b] exactly once with a previous day
    before a (or none), so distinct active learners over any range is a sum over at most
    a few hundred rows per day, never a distinct count over millions of activity rows."""

    day = models.DateField()
    previous_day = models.DateField(null=True, blank=True)
    learners = models.PositiveIntegerField(default=0)

    class Meta:
        # One row per (day, previous day), "never before" included: two partial constraints,
        # which both databases enforce (SQLite has no NULLS NOT DISTINCT).
        constraints = [
            models.UniqueConstraint(
                fields=["day", "previous_day"],
                condition=models.Q(previous_day__isnull=False),
                name="analytics_gap_once",
            ),
            models.UniqueConstraint(
                fields=["day"],
                condition=models.Q(previous_day__isnull=True),
                name="analytics_gap_first_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} after {self.previous_day}"


class CohortWeek(models.Model):
    """Learners who signed up in the week of `joined_week` (a Monday) and were active in the
    week of `week`."""

    joined_week = models.DateField()
    week = models.DateField()
    learners = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["joined_week", "week"], name="analytics_cohort_once")
        ]

    def __str__(self) -> str:
        return f"{self.joined_week}: {self.week}"


class CourseCohortDay(models.Model):
    """The enrollments made in a course on a day (refunded ones too: they were made), and
    how far they are now: how many have completed the course and their progress summed.
    A range's cohort is the enrollments made within it. These rows change after their day
    (learners go on learning); the rollup job rewrites the days of every enrollment with
    activity in its window, so they equal a recount of the enrollments."""

    course = models.ForeignKey(
        "catalog.Course", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    enrollments = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "day"], name="analytics_cohort_day_once")
        ]
        indexes = [models.Index(fields=["day"], name="cohort_day_day")]

    def __str__(self) -> str:
        return f"{self.course_id} enrolled on {self.day}"


STOP_BUCKETS = 10


class LessonDay(models.Model):
    """A lesson's funnel of a day: people who started it (their first progress in it that
    day), people who completed it that day, and the seconds watched that day."""

    lesson = models.ForeignKey(
        "catalog.Lesson", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    started = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    watch_seconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lesson", "day"], name="analytics_lesson_day_once")
        ]
        indexes = [models.Index(fields=["course", "day"], name="lesson_day_course")]

    def __str__(self) -> str:
        return f"{self.lesson_id} on {self.day}"


class LessonStopDay(models.Model):
    """Where learners stopped in a video on a day: of the people who watched it that day and
    had not completed the lesson by the end of it, how many left playback in this tenth
    (`bucket` 0..9) of the video at the day's last report."""

    lesson = models.ForeignKey(
        "catalog.Lesson", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    bucket = models.PositiveSmallIntegerField()
    learners = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "day", "bucket"], name="analytics_lesson_stop_once"
            )
        ]
        indexes = [models.Index(fields=["course", "day"], name="lesson_stop_course")]

    def __str__(self) -> str:
        return f"{self.lesson_id} on {self.day}, tenth {self.bucket}"


class SubscriptionShareDay(models.Model):
    """What an instructor was credited on a day from the subscription pool of `month` (its
    first day), in one currency: commerce splits each month's pool once, after the month."""

    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    month = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instructor", "day", "month", "currency"],
                name="analytics_subscription_share_once",
            )
        ]
        indexes = [models.Index(fields=["day"], name="subscription_share_day")]

    def __str__(self) -> str:
        return f"{self.instructor_id} on {self.day}: {self.month:%Y-%m} ({self.currency})"


class QuestionDay(models.Model):
    """How often a quiz question was answered, and answered right, in the attempts of a day."""

    question = models.ForeignKey(
        "catalog.QuizQuestion", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    answers = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "day"], name="analytics_question_day_once")
        ]
        indexes = [models.Index(fields=["course", "day"], name="question_day_course")]

    def __str__(self) -> str:
        return f"{self.question_id} on {self.day}"


class RollupState(models.Model):
    """When the rollups were last refreshed (one row)."""

    refreshed_at = models.DateTimeField(null=True, blank=True)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.refreshed_at)


class ExportKind(models.TextChoices):
    USERS = "users"
    ORDERS = "orders"
    ENROLLMENTS = "enrollments"
    PAYOUTS = "payouts"
    LEDGER = "ledger"
    # An instructor's own:
    STUDENTS = "students"
    SALES = "sales"


class ExportFormat(models.TextChoices):
    CSV = "csv"
    XLSX = "xlsx"


class ExportStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Export(models.Model):
    """A file of rows asked for by an admin or an instructor, written by a background job
    into private storage and downloadable only by whoever asked, through an expiring link."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analytics_exports"
    )
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    format = models.CharField(max_length=5, choices=ExportFormat.choices)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows_total = models.PositiveBigIntegerField(null=True, blank=True)
    rows_written = models.PositiveBigIntegerField(default=0)
    file_name = models.CharField(max_length=300, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="export_owner")]

    def __str__(self) -> str:
        return f"{self.kind}.{self.format} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_written * 100 // self.rows_total)
