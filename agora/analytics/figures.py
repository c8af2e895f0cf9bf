"""The instructor's and the admin's analytics for a range of days, read from the rollups
(agora/analytics/models.py) only: no dashboard reads orders, the ledger or progress rows.

Ranges are whole days in the site's time zone, both ends included. Money is in one currency
(minor units); counts cover every currency.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Sum
from django.utils import timezone

from agora.accounts.models import User
from agora.analytics import course_figures
from agora.analytics import models as rollup
from agora.analytics.rollups import active_learners, local_day, monday_of
from agora.catalog.models import Category, Course
from agora.catalog.queries import get_course_for_editing, instructor_courses
from agora.core.errors import InvalidInput

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366
TOP = 10

PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "12m": "Last 12 months",
    "ytd": "This year",
}


@dataclass(frozen=True)
class DayRange:
    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def window(self) -> dict[str, date]:
        return {"day__gte": self.first, "day__lte": self.last}


def today() -> date:
    return local_day(timezone.now())


def preset_range(preset: str) -> DayRange:
    end = today()
    if preset == "7d":
        return DayRange(end - timedelta(days=6), end)
    if preset == "90d":
        return DayRange(end - timedelta(days=89), end)
    if preset == "12m":
        return DayRange(end - timedelta(days=364), end)
    if preset == "ytd":
        return DayRange(end.replace(month=1, day=1), end)
    return DayRange(end - timedelta(days=DEFAULT_DAYS - 1), end)


def parse_range(first: str | date | None, last: str | date | None) -> DayRange:
    """`from` and `to` as YYYY-MM-DD (either may be left out: the last 30 days up to `to`,
    or up to today). Refuses a reversed range or one longer than three years."""

    def parse(value: str | date | None, name: str) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(
                f"“{name}” is a date like 2026-01-31.", fields={name: ["Not a date."]}
            ) from None

    end = parse(last, "to") or today()
    start = parse(first, "from") or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise InvalidInput("“to” is before “from”.", fields={"to": ["Before “from”."]})
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput("A range is at most three years.", fields={"from": ["Too far back."]})
    return DayRange(start, end)


def _percent(part: int, whole: int) -> float:
    return round(part * 100 / whole, 1) if whole else 0.0


def _sum(queryset: Any, *fields: str) -> dict[str, int]:
    totals = queryset.aggregate(**{name: Sum(name) for name in fields})
    return {name: int(totals[name] or 0) for name in fields}


# --- instructors -----------------------------------------------------------------------------
def instructor_analytics(
    *, user: User, days: DayRange, course_id: int | None = None, currency: str | None = None
) -> dict[str, Any]:
    """One course of the instructor's (any other course: NotFound) or all of them."""
    course = None
    if course_id is not None:
        course = get_course_for_editing(user=user, course_id=course_id)
        course_ids = [course.pk]
    else:
        course_ids = list(instructor_courses(user=user).values_list("pk", flat=True))
    currency = currency or (course.currency if course else None) or settings.DEFAULT_CURRENCY
    window = days.window()

    sales = rollup.CourseSalesDay.objects.filter(course_id__in=course_ids, **window)
    money = sales.filter(currency=currency)
    totals = _sum(
        money,
        "gross",
        "platform",
        "refunded",
        "refunded_platform",
        "charged_back",
        "charged_back_platform",
    )
    counts = _sum(sales, "sales", "coupon_sales", "refunds", "chargebacks")
    share = _sum(
        rollup.InstructorShareDay.objects.filter(
            instructor=user, course_id__in=course_ids, currency=currency, **window
        ),
        "share",
        "reversed",
    )
    learning = rollup.CourseDay.objects.filter(course_id__in=course_ids, **window)
    activity = _sum(
        learning,
        "enrollments_purchase",
        "enrollments_free",
        "enrollments_grant",
        "enrollments_gift",
        "enrollments_subscription",
        "completions",
        "views",
        "reviews",
        "rating_total",
    )
    cohort = course_figures.cohort(course_ids, window)
    payouts = (
        []
        if course is not None
        else course_figures.subscription_payouts(user=user, currency=currency, window=window)
    )
    subscription_share = None if course is not None else sum(p["amount"] for p in payouts)
    enrollments = (
        activity["enrollments_purchase"]
        + activity["enrollments_free"]
        + activity["enrollments_grant"]
        + activity["enrollments_gift"]
        + activity["enrollments_subscription"]
    )
    revenue = totals["gross"] - totals["refunded"] - totals["charged_back"]

    by_day: dict[date, dict[str, Any]] = {
        day: {"date": day, "enrollments": 0, "revenue": 0, "views": 0, "sales": 0}
        for day in days.days
    }
    for row in money.values("day").annotate(
        gross=Sum("gross"), back=Sum(F("refunded") + F("charged_back")), count=Sum("sales")
    ):
        by_day[row["day"]]["revenue"] += int(row["gross"] - row["back"])
    for sold in sales.values("day").annotate(count=Sum("sales")).order_by():
        by_day[sold["day"]]["sales"] += int(sold["count"])
    ratings: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for point in learning.values("day").annotate(
        enrolled=Sum(
            F("enrollments_purchase")
            + F("enrollments_free")
            + F("enrollments_grant")
            + F("enrollments_gift")
            + F("enrollments_subscription")
        ),
        views=Sum("views"),
        reviews=Sum("reviews"),
        rating_total=Sum("rating_total"),
    ):
        by_day[point["day"]]["enrollments"] += int(point["enrolled"])
        by_day[point["day"]]["views"] += int(point["views"])
        month = f"{point['day']:%Y-%m}"
        ratings[month][0] += int(point["reviews"])
        ratings[month][1] += int(point["rating_total"])

    return {
        "currency": currency,
        "course_id": course.pk if course else None,
        "first_day": days.first,
        "last_day": days.last,
        "revenue": revenue,
        "gross": totals["gross"],
        "instructor_share": share["share"] - share["reversed"],
        "subscription_share": subscription_share,
        "total_share": share["share"] - share["reversed"] + (subscription_share or 0),
        "subscription_payouts": payouts,
        "refunds": counts["refunds"],
        "refunded": totals["refunded"],
        "chargebacks": counts["chargebacks"],
        "sales": counts["sales"],
        "enrollments": enrollments,
        "enrollments_by_source": {
            "purchase": max(activity["enrollments_purchase"] - counts["coupon_sales"], 0),
            "coupon": counts["coupon_sales"],
            "free": activity["enrollments_free"],
            "grant": activity["enrollments_grant"],
            "gift": activity["enrollments_gift"],
            "subscription": activity["enrollments_subscription"],
        },
        "views": activity["views"],
        "conversion_percent": _percent(counts["sales"], activity["views"]),
        "completions": activity["completions"],
        **cohort,
        "rating_trend": [
            {
                "month": month,
                "reviews": count,
                "average": round(total / count, 2) if count else None,
            }
            for month, (count, total) in sorted(ratings.items())
            if count
        ],
        "series": list(by_day.values()),
        "lessons": course_figures.lesson_funnel(course.pk, window) if course else [],
        "quiz_items": course_figures.quiz_items(course.pk, window) if course else [],
    }


# --- admins ----------------------------------------------------------------------------------
def admin_analytics(*, days: DayRange, currency: str | None = None) -> dict[str, Any]:
    currency = currency or settings.DEFAULT_CURRENCY
    window = days.window()
    money_days = rollup.MoneyDay.objects.filter(currency=currency, **window)
    money = _sum(money_days, "gross", "refunds", "chargebacks", "tax", "platform")
    people_days = rollup.PeopleDay.objects.filter(**window)
    people = _sum(people_days, "signups", "new_instructors")
    last = days.last
    active = active_learners(days.first, last)
    active_daily = active_learners(last, last)
    active_weekly = active_learners(last - timedelta(days=6), last)
    active_monthly = active_learners(last - timedelta(days=29), last)

    by_day: dict[date, dict[str, Any]] = {
        day: {
            "date": day,
            "gross": 0,
            "platform": 0,
            "refunds": 0,
            "signups": 0,
            "active_learners": 0,
        }
        for day in days.days
    }
    for row in money_days.values("day", "gross", "platform", "refunds", "chargebacks"):
        point = by_day[row["day"]]
        point["gross"] = row["gross"]
        point["platform"] = row["platform"]
        point["refunds"] = row["refunds"] + row["chargebacks"]
    for people_day in people_days.values("day", "signups", "active_learners"):
        by_day[people_day["day"]]["signups"] = people_day["signups"]
        by_day[people_day["day"]]["active_learners"] = people_day["active_learners"]
    series = list(by_day.values())
    totals = _course_totals(days, currency)

    return {
        "currency": currency,
        "first_day": days.first,
        "last_day": days.last,
        "gross": money["gross"],
        "platform": money["platform"],
        "tax": money["tax"],
        "refunds": money["refunds"],
        "chargebacks": money["chargebacks"],
        "net": money["gross"] - money["refunds"] - money["chargebacks"] - money["tax"],
        "signups": people["signups"],
        "new_instructors": people["new_instructors"],
        "active_learners": active,
        "active_learners_daily": active_daily,
        "active_learners_weekly": active_weekly,
        "active_learners_monthly": active_monthly,
        "series": series,
        "monthly": _periods(series, "%Y-%m"),
        "yearly": _periods(series, "%Y"),
        "top_courses": _top_courses(totals),
        "top_instructors": _top_instructors(days, currency),
        "top_categories": _top_categories(totals),
        "cohorts": _cohorts(days),
    }


def _periods(series: list[dict[str, Any]], pattern: str) -> list[dict[str, Any]]:
    periods: dict[str, dict[str, Any]] = {}
    for point in series:
        key = point["date"].strftime(pattern)
        into = periods.setdefault(
            key, {"period": key, "gross": 0, "platform": 0, "refunds": 0, "signups": 0}
        )
        for name in ("gross", "platform", "refunds", "signups"):
            into[name] += point[name]
    return list(periods.values())


def _month_split(days: DayRange) -> tuple[list[date], list[dict[str, date]]]:
    """The whole calendar months inside the range (their first days), and the windows of
    days left over at either end. Each window is read on its own: a single range lets
    PostgreSQL answer from the covering index alone (an OR of two would not)."""
    months: list[date] = []
    month = days.first.replace(day=1)
    if month < days.first:
        month = _next_month(month)
    while _next_month(month) - timedelta(days=1) <= days.last:
        months.append(month)
        month = _next_month(month)
    if not months:
        return [], [days.window()]
    edges = [
        {"day__gte": days.first, "day__lt": months[0]},
        {"day__gte": _next_month(months[-1]), "day__lte": days.last},
    ]
    return months, [edge for edge in edges if _has_days(edge)]


def _has_days(edge: dict[str, date]) -> bool:
    last = edge.get("day__lte") or edge["day__lt"] - timedelta(days=1)
    return edge["day__gte"] <= last


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _course_totals(days: DayRange, currency: str) -> dict[int, list[int]]:
    """Revenue, sales and category (0: none) per course over the range: whole months from
    the month rows, the rest from the day rows (a grouped query for each part)."""
    months, edges = _month_split(days)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    parts: list[Any] = []
    if months:
        parts.append(
            rollup.CourseSalesMonth.objects.filter(currency=currency, month__in=months)
            .values("course_id", "course__category_id")
            .annotate(total=Sum("revenue"), count=Sum("sales"))
        )
    for edge in edges:
        parts.append(
            rollup.CourseSalesDay.objects.filter(currency=currency, **edge)
            .values("course_id", "course__category_id")
            .annotate(total=Sum(F("gross") - F("refunded") - F("charged_back")), count=Sum("sales"))
        )
    for part in parts:
        for course_id, category_id, revenue, sales in part.values_list(
            "course_id", "course__category_id", "total", "count"
        ).order_by():
            into = totals[course_id]
            into[0] += int(revenue)
            into[1] += int(sales)
            into[2] = category_id or 0
    return totals


def _top(totals: dict[int, list[int]]) -> list[tuple[int, list[int]]]:
    return sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))[:TOP]


def _top_courses(totals: dict[int, list[int]]) -> list[dict[str, Any]]:
    top = _top(totals)
    titles = dict(Course.objects.filter(pk__in=[pk for pk, _ in top]).values_list("pk", "title"))
    return [
        {"course_id": pk, "title": titles.get(pk, ""), "revenue": revenue, "sales": sales}
        for pk, (revenue, sales, _category) in top
    ]


def _top_categories(totals: dict[int, list[int]]) -> list[dict[str, Any]]:
    categories: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for revenue, sales, category_id in totals.values():
        categories[category_id][0] += revenue
        categories[category_id][1] += sales
    ranked = sorted(categories.items(), key=lambda item: (-item[1][1], item[0]))[:TOP]
    names = dict(Category.objects.filter(pk__in=[pk for pk, _ in ranked]).values_list("pk", "name"))
    return [
        {"category_id": pk or None, "name": names.get(pk), "revenue": revenue, "sales": sales}
        for pk, (revenue, sales) in ranked
    ]


def _top_instructors(days: DayRange, currency: str) -> list[dict[str, Any]]:
    months, edges = _month_split(days)
    earned: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    if months:
        for instructor_id, total in (
            rollup.InstructorShareMonth.objects.filter(currency=currency, month__in=months)
            .values("instructor_id")
            .annotate(total=Sum("earned"))
            .values_list("instructor_id", "total")
            .order_by()
        ):
            earned[instructor_id][0] += int(total)
    for edge in edges:
        for instructor_id, total in (
            rollup.InstructorShareDay.objects.filter(currency=currency, **edge)
            .values("instructor_id")
            .annotate(total=Sum(F("share") - F("reversed")))
            .values_list("instructor_id", "total")
            .order_by()
        ):
            earned[instructor_id][0] += int(total)
    top = _top(earned)
    names = dict(User.objects.filter(pk__in=[pk for pk, _ in top]).values_list("pk", "name"))
    return [
        {"instructor_id": pk, "name": names.get(pk, ""), "earned": total} for pk, (total, _) in top
    ]


COHORT_WEEKS = 8


def _cohorts(days: DayRange) -> list[dict[str, Any]]:
    """Learners who signed up in each week of the range (at most the last 12 weeks) and how
    many of them were active in their sign-up week and each of the next weeks."""
    first_week = max(monday_of(days.first), monday_of(days.last) - timedelta(weeks=11))
    weeks: dict[date, list[int]] = defaultdict(lambda: [0] * COHORT_WEEKS)
    for row in rollup.CohortWeek.objects.filter(
        joined_week__gte=first_week,
        joined_week__lte=days.last,
        week__lt=first_week + timedelta(weeks=12 + COHORT_WEEKS),
    ).values("joined_week", "week", "learners"):
        offset = (row["week"] - row["joined_week"]).days // 7
        if 0 <= offset < COHORT_WEEKS:
            weeks[row["joined_week"]][offset] = row["learners"]
    sizes: dict[date, int] = defaultdict(int)
    for signed in rollup.PeopleDay.objects.filter(
        day__gte=first_week, day__lt=monday_of(days.last) + timedelta(weeks=1)
    ).values("day", "signups"):
        sizes[monday_of(signed["day"])] += signed["signups"]
    cohorts = []
    week = first_week
    while week <= days.last:
        cohorts.append(
            {
                "week": week,
                "signups": sizes.get(week, 0),
                "active": weeks.get(week, [0] * COHORT_WEEKS),
            }
        )
        week += timedelta(weeks=1)
    return cohorts
