"""Keeps the analytics rollups (agora/analytics/models.py) equal to a recount of the raw rows.

`refresh(first_day=, last_day=)` rewrites the day rows of that window from the raw data, in
one transaction, and the enrollment cohorts of every day whose enrollments saw activity
since the window began. The periodic job refreshes the last few days (late events, such as
a refund, land on their own day, which is then within the window); the `rebuild_analytics`
command refreshes everything from the first day that has data.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateField, Exists, F, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Least, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from agora.accounts.models import User
from agora.analytics import models as rollup
from agora.catalog.models import Course, CourseDailyStat
from agora.commerce import queries as commerce_queries
from agora.community.models import Review
from agora.learning.models import (
    Enrollment,
    EnrollmentSource,
    LessonActivityDay,
    LessonProgress,
    QuizAnswer,
    QuizAttempt,
)

logger = logging.getLogger(__name__)

BATCH = 5000


def site_zone() -> Any:
    return timezone.get_default_timezone()


def day_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The instants [start, end) of these whole days in the site's time zone."""
    zone = site_zone()
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment, site_zone()).date()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class RefreshResult:
    first_day: date
    last_day: date
    rows: int


def first_day_with_data() -> date | None:
    """The oldest day any raw row belongs to."""
    moments = [
        User.objects.aggregate(oldest=Min("date_joined"))["oldest"],
        Enrollment.objects.aggregate(oldest=Min("created_at"))["oldest"],
        LessonProgress.objects.aggregate(oldest=Min("started_at"))["oldest"],
        commerce_queries.first_money_moment(),
    ]
    oldest = min((m for m in moments if m is not None), default=None)
    days = [local_day(oldest)] if oldest else []
    for first in (
        CourseDailyStat.objects.aggregate(oldest=Min("day"))["oldest"],
        LessonActivityDay.objects.aggregate(oldest=Min("day"))["oldest"],
    ):
        if first:
            days.append(first)
    return min(days, default=None)


def refresh(*, first_day: date, last_day: date) -> RefreshResult:
    """Rewrites the rollup rows of the days first_day..last_day (both included) and the
    cohorts of the enrollments active since first_day. Idempotent; concurrent refreshes of
    overlapping windows serialize on the state row."""
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    start, end = day_bounds(first_day, last_day)
    rows = 0
    with transaction.atomic():
        state, _ = rollup.RollupState.objects.select_for_update().get_or_create(pk=1)
        window = {"day__gte": first_day, "day__lte": last_day}
        rows += _sales(start, end, window)
        rows += _sales_months(first_day)
        rows += _money(start, end, window)
        rows += _course_days(start, end, window)
        rows += _learner_days(start, end)
        rows += _gaps_and_cohorts(first_day)
        rows += _people_days(start, end, window)
        rows += _question_days(start, end, window)
        rows += _lesson_days(start, end, window)
        rows += _cohort_days(start, end)
        rows += _subscription_shares(start, end, window)
        state.refreshed_at = timezone.now()
        state.first_day = min(filter(None, [state.first_day, first_day]))
        state.last_day = max(filter(None, [state.last_day, last_day]))
        state.save()
    logger.info("analytics rollups refreshed for %s..%s (%s rows)", first_day, last_day, rows)
    return RefreshResult(first_day, last_day, rows)


def refresh_recent(*, days: int | None = None) -> RefreshResult:
    """The periodic job: today and the days before it (ANALYTICS_REFRESH_DAYS)."""
    days = days or settings.ANALYTICS_REFRESH_DAYS
    today = local_day(timezone.now())
    return refresh(first_day=today - timedelta(days=days - 1), last_day=today)


def rebuild() -> RefreshResult | None:
    """Every day from the first with data to today (the `rebuild_analytics` command)."""
    first = first_day_with_data()
    if first is None:
        return None
    with transaction.atomic():
        # History the raw rows no longer hold (activity) is kept; everything else is redone.
        for model in (
            rollup.ActivityGapDay,
            rollup.CohortWeek,
            rollup.CourseSalesDay,
            rollup.InstructorShareDay,
            rollup.CourseSalesMonth,
            rollup.InstructorShareMonth,
            rollup.CourseDay,
            rollup.MoneyDay,
            rollup.PeopleDay,
            rollup.QuestionDay,
            rollup.LessonDay,
            rollup.LessonStopDay,
            rollup.CourseCohortDay,
            rollup.SubscriptionShareDay,
        ):
            model.objects.all().delete()
        return refresh(first_day=first, last_day=local_day(timezone.now()))


# --- the parts -------------------------------------------------------------------------------
def _sales(start: datetime, end: datetime, window: dict[str, date]) -> int:
    courses, shares = commerce_queries.daily_course_sales(start=start, end=end, zone=site_zone())
    rollup.CourseSalesDay.objects.filter(**window).delete()
    rollup.InstructorShareDay.objects.filter(**window).delete()
    rollup.CourseSalesDay.objects.bulk_create(
        [rollup.CourseSalesDay(**vars(row)) for row in courses], batch_size=BATCH
    )
    rollup.InstructorShareDay.objects.bulk_create(
        [rollup.InstructorShareDay(**vars(row)) for row in shares], batch_size=BATCH
    )
    return len(courses) + len(shares)


def _sales_months(first_day: date) -> int:
    """Rewrites the monthly sums of every month from first_day's on, from the day rows."""
    month = first_day.replace(day=1)
    by_month = TruncMonth("day", output_field=DateField())
    courses = (
        rollup.CourseSalesDay.objects.filter(day__gte=month)
        .annotate(month=by_month)
        .values("course_id", "month", "currency")
        .annotate(revenue=Sum(F("gross") - F("refunded") - F("charged_back")), sales=Sum("sales"))
        .order_by()
    )
    course_rows = [
        rollup.CourseSalesMonth(**{**item, "month": _as_date(item["month"])}) for item in courses
    ]
    shares = (
        rollup.InstructorShareDay.objects.filter(day__gte=month)
        .annotate(month=by_month)
        .values("instructor_id", "month", "currency")
        .annotate(earned=Sum(F("share") - F("reversed")))
        .order_by()
    )
    share_rows = [
        rollup.InstructorShareMonth(**{**item, "month": _as_date(item["month"])}) for item in shares
    ]
    rollup.CourseSalesMonth.objects.filter(month__gte=month).delete()
    rollup.InstructorShareMonth.objects.filter(month__gte=month).delete()
    rollup.CourseSalesMonth.objects.bulk_create(course_rows, batch_size=BATCH)
    rollup.InstructorShareMonth.objects.bulk_create(share_rows, batch_size=BATCH)
    return len(course_rows) + len(share_rows)


def _money(start: datetime, end: datetime, window: dict[str, date]) -> int:
    days = commerce_queries.daily_money(start=start, end=end, zone=site_zone())
    rollup.MoneyDay.objects.filter(**window).delete()
    rollup.MoneyDay.objects.bulk_create(
        [rollup.MoneyDay(**vars(row)) for row in days], batch_size=BATCH
    )
    return len(days)


def _by_day(queryset: Any, field: str, *group: str, **aggregates: Any) -> Any:
    return (
        queryset.annotate(day=TruncDate(field, tzinfo=site_zone()))
        .values("day", *group)
        .annotate(**(aggregates or {"count": Count("pk")}))
        .order_by()
    )


def _course_days(start: datetime, end: datetime, window: dict[str, date]) -> int:
    days: dict[tuple[int, date], rollup.CourseDay] = {}

    def row(course_id: int, day: date) -> rollup.CourseDay:
        key = (course_id, day)
        if key not in days:
            days[key] = rollup.CourseDay(course_id=course_id, day=day)
        return days[key]

    source_field = {
        EnrollmentSource.PURCHASE: "enrollments_purchase",
        EnrollmentSource.FREE: "enrollments_free",
        EnrollmentSource.GRANT: "enrollments_grant",
        EnrollmentSource.GIFT: "enrollments_gift",
        EnrollmentSource.SUBSCRIPTION: "enrollments_subscription",
    }
    enrolled = Enrollment.objects.filter(created_at__gte=start, created_at__lt=end)
    for item in _by_day(enrolled, "created_at", "course_id", "source"):
        field = source_field.get(item["source"], "enrollments_grant")
        target = row(item["course_id"], item["day"])
        setattr(target, field, getattr(target, field) + item["count"])
    completed = Enrollment.objects.filter(completed_at__gte=start, completed_at__lt=end)
    for item in _by_day(completed, "completed_at", "course_id"):
        row(item["course_id"], item["day"]).completions += item["count"]
    # Page views are counted per day by the catalog already (CourseDailyStat, site days).
    views = CourseDailyStat.objects.filter(**window, views__gt=0)
    for course_id, day, count in views.values_list("course_id", "day", "views"):
        row(course_id, day).views += count
    reviews = Review.objects.filter(
        created_at__gte=start, created_at__lt=end, hidden_at__isnull=True
    )
    for item in _by_day(reviews, "created_at", "course_id", count=Count("pk"), total=Sum("rating")):
        target = row(item["course_id"], item["day"])
        target.reviews += item["count"]
        target.rating_total += item["total"]
    rollup.CourseDay.objects.filter(**window).delete()
    rollup.CourseDay.objects.bulk_create(list(days.values()), batch_size=BATCH)
    return len(days)


def _learner_days(start: datetime, end: datetime) -> int:
    """Adds who was active on which day (progress saved, quiz taken). Rows are never removed
    here: a progress row keeps only its last update, so older activity lives only here.
    One INSERT ... SELECT DISTINCT per source, in the database (millions of rows)."""
    zone = site_zone()
    added = 0
    sources = (
        (LessonProgress.objects.filter(updated_at__gte=start, updated_at__lt=end), "updated_at"),
        (QuizAttempt.objects.filter(created_at__gte=start, created_at__lt=end), "created_at"),
    )
    table = rollup.LearnerDay._meta.db_table
    for queryset, field in sources:
        select = (
            queryset.annotate(
                active_day=TruncDate(field, tzinfo=zone),
                joined=TruncWeek("user__date_joined", tzinfo=zone, output_field=DateField()),
            )
            .values_list("active_day", "user_id", "joined")
            .distinct()
            .order_by()
        )
        sql, params = select.query.sql_with_params()
        with connection.cursor() as cursor:
            # SQLite needs the SELECT to have a WHERE before ON CONFLICT (it has one).
            cursor.execute(
                f"INSERT INTO {table} (day, learner_id, joined_week) {sql} "
                "ON CONFLICT (day, learner_id) DO NOTHING",
                params,
            )
            added += max(cursor.rowcount, 0)
    return added


def _gaps_and_cohorts(first_day: date) -> int:
    """Rewrites the activity gaps of every day from first_day on (new activity changes the
    previous day of the learner's next active day, which is in the window or later) and the
    cohort weeks from first_day's Monday on."""
    previous = (
        rollup.LearnerDay.objects.filter(learner_id=OuterRef("learner_id"), day__lt=OuterRef("day"))
        .order_by("-day")
        .values("day")[:1]
    )
    gaps = (
        rollup.LearnerDay.objects.filter(day__gte=first_day)
        .annotate(previous_day=Subquery(previous))
        .values("day", "previous_day")
        .annotate(learners=Count("pk"))
        .order_by()
    )
    rows = [rollup.ActivityGapDay(**item) for item in gaps]
    rollup.ActivityGapDay.objects.filter(day__gte=first_day).delete()
    rollup.ActivityGapDay.objects.bulk_create(rows, batch_size=BATCH)
    monday = monday_of(first_day)
    weeks = (
        rollup.LearnerDay.objects.filter(day__gte=monday)
        .annotate(week=TruncWeek("day", output_field=DateField()))
        .values("joined_week", "week")
        .annotate(learners=Count("learner_id", distinct=True))
        .order_by()
    )
    cohorts = [
        rollup.CohortWeek(
            joined_week=item["joined_week"],
            week=_as_date(item["week"]),
            learners=item["learners"],
        )
        for item in weeks
    ]
    rollup.CohortWeek.objects.filter(week__gte=monday).delete()
    rollup.CohortWeek.objects.bulk_create(cohorts, batch_size=BATCH)
    return len(rows) + len(cohorts)


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def active_learners(first_day: date, last_day: date) -> int:
    """Distinct learners active on any day of first_day..last_day (see ActivityGapDay)."""
    total = rollup.ActivityGapDay.objects.filter(
        Q(previous_day__isnull=True) | Q(previous_day__lt=first_day),
        day__gte=first_day,
        day__lte=last_day,
    ).aggregate(total=Sum("learners"))["total"]
    return int(total or 0)


def _people_days(start: datetime, end: datetime, window: dict[str, date]) -> int:
    days: dict[date, rollup.PeopleDay] = {}

    def row(day: date) -> rollup.PeopleDay:
        if day not in days:
            days[day] = rollup.PeopleDay(day=day)
        return days[day]

    signed_up = User.objects.filter(date_joined__gte=start, date_joined__lt=end)
    for item in _by_day(signed_up, "date_joined"):
        row(item["day"]).signups += item["count"]
    firsts = (
        Course.objects.values("owner_id")
        .annotate(first=Min("created_at"))
        .filter(first__gte=start, first__lt=end)
        .order_by()
    )
    for item in firsts:
        row(local_day(item["first"])).new_instructors += 1
    active = rollup.LearnerDay.objects.filter(**window).values("day").annotate(count=Count("pk"))
    for item in active.order_by():
        row(item["day"]).active_learners += item["count"]
    rollup.PeopleDay.objects.filter(**window).delete()
    rollup.PeopleDay.objects.bulk_create(list(days.values()), batch_size=BATCH)
    return len(days)


def _lesson_days(start: datetime, end: datetime, window: dict[str, date]) -> int:
    """Per lesson and day: people who started it (their progress row's first write), who
    completed it, the seconds watched (LessonActivityDay), and where those who watched it
    without having completed it stopped (their position at the day's last report)."""
    days: dict[tuple[int, date], rollup.LessonDay] = {}

    def row(lesson_id: int, course_id: int, day: date) -> rollup.LessonDay:
        key = (lesson_id, day)
        if key not in days:
            days[key] = rollup.LessonDay(lesson_id=lesson_id, course_id=course_id, day=day)
        return days[key]

    started = LessonProgress.objects.filter(started_at__gte=start, started_at__lt=end)
    for item in _by_day(started, "started_at", "lesson_id", "course_id"):
        row(item["lesson_id"], item["course_id"], item["day"]).started += item["count"]
    completed = LessonProgress.objects.filter(completed_at__gte=start, completed_at__lt=end)
    for item in _by_day(completed, "completed_at", "lesson_id", "course_id"):
        row(item["lesson_id"], item["course_id"], item["day"]).completed += item["count"]
    activity = LessonActivityDay.objects.filter(**window)
    watched = (
        activity.filter(seconds__gt=0)
        .values("lesson_id", "course_id", "day")
        .annotate(seconds=Sum("seconds"))
        .order_by()
    )
    for item in watched:
        row(item["lesson_id"], item["course_id"], item["day"]).watch_seconds += item["seconds"]
    rollup.LessonDay.objects.filter(**window).delete()
    rollup.LessonDay.objects.bulk_create(list(days.values()), batch_size=BATCH)

    done_by_then = (
        LessonProgress.objects.filter(
            user_id=OuterRef("user_id"), lesson_id=OuterRef("lesson_id"), completed_at__isnull=False
        )
        .annotate(done_day=TruncDate("completed_at", tzinfo=site_zone()))
        .filter(done_day__lte=OuterRef("day"))
    )
    last = rollup.STOP_BUCKETS - 1
    stops = (
        activity.filter(position_seconds__gt=0, lesson__duration_seconds__gt=0)
        .exclude(Exists(done_by_then))
        .annotate(
            bucket=Least(
                F("position_seconds") * rollup.STOP_BUCKETS / F("lesson__duration_seconds"), last
            )
        )
        .values("lesson_id", "course_id", "day", "bucket")
        .annotate(learners=Count("pk"))
        .order_by()
    )
    stop_rows = [rollup.LessonStopDay(**{**item, "bucket": int(item["bucket"])}) for item in stops]
    rollup.LessonStopDay.objects.filter(**window).delete()
    rollup.LessonStopDay.objects.bulk_create(stop_rows, batch_size=BATCH)
    return len(days) + len(stop_rows)


def _cohort_days(start: datetime, end: datetime) -> int:
    """Rewrites the cohort of every (course, day of enrollment) with an enrollment made in
    the window or active since it began: progress and completion change only through the
    learning services, which set the enrollment's last activity as they do."""
    zone = site_zone()
    touched = (
        Enrollment.objects.filter(
            Q(created_at__gte=start, created_at__lt=end) | Q(last_activity_at__gte=start)
        )
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values_list("day", "course_id")
        .distinct()
        .order_by()
    )
    courses_of: dict[date, set[int]] = defaultdict(set)
    for day, course_id in touched:
        courses_of[day].add(course_id)
    written = 0
    for day, course_ids in sorted(courses_of.items()):
        first, after = day_bounds(day, day)
        cohorts = (
            Enrollment.objects.filter(
                course_id__in=course_ids, created_at__gte=first, created_at__lt=after
            )
            .values("course_id")
            .annotate(
                enrollments=Count("pk"),
                completed=Count("pk", filter=Q(completed_at__isnull=False)),
                progress_total=Sum("progress_percent"),
            )
            .order_by()
        )
        rows = [rollup.CourseCohortDay(**item, day=day) for item in cohorts]
        rollup.CourseCohortDay.objects.filter(day=day, course_id__in=course_ids).delete()
        rollup.CourseCohortDay.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    return written


def _subscription_shares(start: datetime, end: datetime, window: dict[str, date]) -> int:
    shares = commerce_queries.daily_subscription_shares(start=start, end=end, zone=site_zone())
    rollup.SubscriptionShareDay.objects.filter(**window).delete()
    rollup.SubscriptionShareDay.objects.bulk_create(
        [rollup.SubscriptionShareDay(**vars(row)) for row in shares], batch_size=BATCH
    )
    return len(shares)


def _question_days(start: datetime, end: datetime, window: dict[str, date]) -> int:
    """Quiz answers by the day of their attempt: how hard each question was in any range."""
    answers = QuizAnswer.objects.filter(
        attempt__created_at__gte=start, attempt__created_at__lt=end
    ).annotate(course_id=F("question__lesson__module__course_id"))
    days = _by_day(
        answers,
        "attempt__created_at",
        "question_id",
        "course_id",
        answers=Count("pk"),
        correct=Count("pk", filter=Q(correct=True)),
    )
    rows = [rollup.QuestionDay(**item) for item in days]
    rollup.QuestionDay.objects.filter(**window).delete()
    rollup.QuestionDay.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
