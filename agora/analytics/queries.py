"""The platform's figures for admins: people, courses, enrollments and revenue, in total and
month by month. Read-only; each figure comes from the app that owns its rows, and money from
the commerce ledger (`commerce.queries.revenue_by_currency` / `revenue_by_month`, where the
rules are), never from order rows.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog.models import Course
from agora.commerce.queries import Revenue, revenue_by_currency
from agora.commerce.queries import revenue_by_month as ledger_revenue_by_month
from agora.learning.models import Enrollment

SERIES_MONTHS = 12


@dataclass
class AdminStats:
    users: int
    instructors: int
    courses_published: int
    enrollments: int
    revenue: Revenue
    by_currency: list[Revenue]
    months: list[str]
    users_by_month: dict[str, int] = field(default_factory=dict)
    enrollments_by_month: dict[str, int] = field(default_factory=dict)
    revenue_by_month: dict[str, Revenue] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "users": self.users,
            "instructors": self.instructors,
            "courses_published": self.courses_published,
            "enrollments": self.enrollments,
            "revenue": _revenue_dict(self.revenue),
            "by_currency": [_revenue_dict(row) for row in self.by_currency],
            "series": {
                "users": [{"month": m, "count": self.users_by_month[m]} for m in self.months],
                "enrollments": [
                    {"month": m, "count": self.enrollments_by_month[m]} for m in self.months
                ],
                "revenue": [
                    {
                        "month": m,
                        "gross": self.revenue_by_month[m].gross,
                        "platform": self.revenue_by_month[m].platform,
                    }
                    for m in self.months
                ],
            },
        }


def _revenue_dict(revenue: Revenue) -> dict[str, Any]:
    return {"currency": revenue.currency, "gross": revenue.gross, "platform": revenue.platform}


def month_key(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def last_months(now: datetime, count: int = SERIES_MONTHS) -> tuple[datetime, list[str]]:
    """The first instant (UTC) of the oldest of the last `count` months, this one included,
    and their keys ("2026-11"), oldest first."""
    now = now.astimezone(UTC)
    year, month = now.year, now.month
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    first_year, first_month = (int(part) for part in keys[0].split("-"))
    return datetime(first_year, first_month, 1, tzinfo=UTC), keys


def _monthly_counts(queryset: Any, date_field: str, start: datetime) -> dict[str, int]:
    rows = (
        queryset.filter(**{f"{date_field}__gte": start})
        .annotate(month=TruncMonth(date_field, tzinfo=UTC))
        .values("month")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {month_key(row["month"]): int(row["count"]) for row in rows}


def admin_stats(*, now: datetime | None = None) -> AdminStats:
    """Everything the admin dashboard shows, in a fixed number of queries (seven)."""
    start, months = last_months(now or timezone.now())
    default_currency = settings.DEFAULT_CURRENCY
    people = User.objects.filter(erased_at__isnull=True).aggregate(
        users=Count("id"), instructors=Count("id", filter=Q(is_instructor=True))
    )
    courses_published = Course.objects.published().count()
    active_enrollments = Enrollment.objects.active()
    enrollments = active_enrollments.count()

    totals = revenue_by_currency()
    revenue = totals.get(default_currency, Revenue(default_currency))
    by_currency = sorted(
        totals.values(), key=lambda r: (r.currency != default_currency, r.currency)
    )
    revenue_by_month = {month: Revenue(default_currency) for month in months}
    for moment, month_revenue in ledger_revenue_by_month(
        currency=default_currency, since=start
    ).items():
        if month_key(moment) in revenue_by_month:
            revenue_by_month[month_key(moment)] = month_revenue

    # Sign-ups of every account (erased ones signed up too); enrollments still active.
    users_by_month = dict.fromkeys(months, 0) | _monthly_counts(
        User.objects.all(), "date_joined", start
    )
    enrollments_by_month = dict.fromkeys(months, 0) | _monthly_counts(
        active_enrollments, "created_at", start
    )
    return AdminStats(
        users=int(people["users"]),
        instructors=int(people["instructors"]),
        courses_published=courses_published,
        enrollments=enrollments,
        revenue=revenue,
        by_currency=by_currency,
        months=months,
        users_by_month={m: users_by_month[m] for m in months},
        enrollments_by_month={m: enrollments_by_month[m] for m in months},
        revenue_by_month=revenue_by_month,
    )
