"""Paying instructors from subscription revenue, once a month.

For each currency, the month's pool is every subscription payment's pool share (what is
left after tax and the platform's commission) paid before the month ended and not split
yet. It is split among the instructors of subscription courses by their share of
subscribers' learning time in that month: the seconds that learners with a subscription in
that currency spent (reported by the player, `CourseLearningTime`) in courses they take
through their subscription. A course's seconds go to its instructors by their revenue
shares (the owner's and co-instructors' percentages, as for sales). The split is exact:
`ledger.split` rounds down and gives the units left to the largest remainders, so the
parts add up to the pool.

The instructors' parts go straight to their available balance (the month is over: there
is nothing left to refund), in one ledger transaction per month and currency. A run is
recorded once per month and currency (`SubscriptionPayoutRun`), so running it again pays
nothing twice. When nobody learned through a subscription in a month, its pool is carried
to the next month's run. Run months in order (the periodic job runs each month for the one
before).
"""

import logging
from collections import defaultdict
from datetime import UTC, date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from agora.catalog.models import Course
from agora.commerce.models import (
    LedgerAccount,
    LedgerTransactionKind,
    Subscription,
    SubscriptionPayment,
    SubscriptionPayoutRun,
)
from agora.commerce.services import ledger
from agora.commerce.services.ledger import Posting, split
from agora.core.errors import InvalidInput
from agora.learning import queries as learning_queries

logger = logging.getLogger(__name__)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def previous_month(now: datetime) -> date:
    first = now.astimezone(UTC).date().replace(day=1)
    return (
        first.replace(year=first.year - 1, month=12)
        if first.month == 1
        else first.replace(month=first.month - 1)
    )


def _subscribers(currency: str, start: datetime, end: datetime) -> list[int]:
    """People whose subscription in this currency gave access some time in the month."""
    return list(
        Subscription.objects.filter(currency=currency, paid_periods__gt=0, started_at__lt=end)
        .filter(Q(current_period_end__gt=start) | Q(grace_until__gt=start))
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )


def _instructor_weights(seconds_by_course: dict[int, int]) -> dict[int, int]:
    """Seconds times revenue-share percent, per instructor, summed over their courses."""
    from agora.commerce.services.checkout import instructor_shares

    weights: dict[int, int] = defaultdict(int)
    courses = Course.objects.filter(pk__in=list(seconds_by_course))
    for course in courses:
        for share in instructor_shares(course):
            weights[share["user_id"]] += seconds_by_course[course.pk] * share["percent"]
    return {instructor: weight for instructor, weight in weights.items() if weight > 0}


def split_month(*, month: date, now: datetime | None = None) -> dict[str, str]:
    """Splits each currency's pool for `month` (any day of it; the month must be over).
    Returns what happened per currency."""
    start, end = month_bounds(month)
    if end > (now or timezone.now()):
        raise InvalidInput(fields={"month": ["Only a month that is over can be split."]})
    first_day = start.date()
    currencies = sorted(
        set(
            SubscriptionPayment.objects.filter(payout_run__isnull=True, paid_at__lt=end)
            .order_by()
            .values_list("currency", flat=True)
            .distinct()
        )
    )
    return {currency: _split_currency(first_day, currency, start, end) for currency in currencies}


def _split_currency(month: date, currency: str, start: datetime, end: datetime) -> str:
    with transaction.atomic():
        payments = list(
            SubscriptionPayment.objects.select_for_update()
            .filter(payout_run__isnull=True, paid_at__lt=end, currency=currency)
            .order_by("pk")
        )
        # Under the payments' locks: a run that finished meanwhile took them already.
        if SubscriptionPayoutRun.objects.filter(month=month, currency=currency).exists():
            return "already split"
        pool = sum(payment.pool_amount for payment in payments)
        if pool == 0:
            return "nothing to split"
        seconds = learning_queries.learning_seconds(
            start=start.date(), end=end.date(), user_ids=_subscribers(currency, start, end)
        )
        weights = _instructor_weights(seconds)
        if not weights:
            return f"carried over: nobody learned through a subscription ({pool} {currency})"
        shares = split(pool, weights.items())
        try:
            with transaction.atomic():
                run = SubscriptionPayoutRun.objects.create(
                    month=month,
                    currency=currency,
                    pool=pool,
                    learning_seconds=sum(seconds.values()),
                    shares={str(instructor): amount for instructor, amount in shares.items()},
                )
        except IntegrityError:
            return "already split"
        SubscriptionPayment.objects.filter(pk__in=[p.pk for p in payments]).update(payout_run=run)
        ledger.post(
            kind=LedgerTransactionKind.SUBSCRIPTION_PAYOUT,
            idempotency_key=f"subscription_pool:{month:%Y-%m}:{currency}",
            postings=[
                Posting(LedgerAccount.SUBSCRIPTION_POOL, pool, currency),
                *(
                    Posting(LedgerAccount.INSTRUCTOR_AVAILABLE, -amount, currency, instructor)
                    for instructor, amount in shares.items()
                ),
            ],
            description=f"Subscription pool {month:%Y-%m} {currency} split by learning time",
        )
    logger.info("subscription pool %s %s: %s split among %s", month, currency, pool, len(shares))
    return f"split {pool} {currency} among {len(shares)} instructor(s)"


def split_previous_month(*, now: datetime | None = None) -> dict[str, str]:
    """The periodic job: splits the month before `now`."""
    now = now or timezone.now()
    return split_month(month=previous_month(now), now=now)
