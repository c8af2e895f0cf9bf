"""Demo sales: a year of purchases through the real checkout, so that every figure the demo
shows (learners on course cards, instructors' students and earnings, the admin dashboard and
transactions) comes from real orders, ledger entries and enrollments.

Buyers (people of their own, who cannot sign in) buy the published paid courses on days spread
over the last twelve months, more of them lately, from several countries (VAT and GST rates
for common countries are set up), some with the instructors' launch coupons. Each purchase
goes through `checkout` and the demo provider's signed webhook, with the clock set to its day
(demo data only), so the orders, ledger entries, escrow and enrollments carry their real
dates. A few buyers ask for a refund within the window; escrow that has run its time is
released. Course pages get a year of daily views. Idempotent: nothing is bought (or viewed)
again once the demo buyers have orders.
"""

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.db.models import Min
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog import view_counts
from agora.catalog.models import Course, CourseStatus
from agora.commerce.models import Coupon, Order, OrderStatus, TaxRate
from agora.commerce.services import checkout, coupons, payments, payouts, refunds

BUYER_DOMAIN = "buyers.agora.test"
BUYERS = 150
ORDERS = 400
REFUNDS = 12
TAX_RATES = {
    "GB": ("VAT", 2000),
    "DE": ("MwSt", 1900),
    "FR": ("TVA", 2000),
    "ES": ("IVA", 2100),
    "IN": ("GST", 1800),
    "AU": ("GST", 1000),
    "CA": ("GST", 500),
}
COUNTRIES = ["US", "US", "US", "US", "GB", "GB", "DE", "FR", "ES", "IN", "IN", "CA", "AU", "BR"]
FIRST = [
    "Amara", "Bruno", "Chen", "Dalia", "Emeka", "Freya", "Goran", "Hana", "Ivan", "Jonas",
    "Kemal", "Lucía", "Mateo", "Nadia", "Olu", "Priya", "Quentin", "Rosa", "Sven", "Tariq",
]  # fmt: skip
LAST = ["Adeyemi", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Huang"]


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """Demo data only: Django's clock reads `moment`, so what is recorded carries that date."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _buyers() -> list[User]:
    password = make_password(None)  # demo buyers cannot sign in
    people = []
    for number in range(BUYERS):
        name = f"{FIRST[number % len(FIRST)]} {LAST[number * 7 % len(LAST)]}"
        person, _ = User.objects.get_or_create(
            email=f"buyer{number + 1}@{BUYER_DOMAIN}", defaults={"name": name, "password": password}
        )
        people.append(person)
    return people


def _coupons(courses: list[Course], start: datetime) -> list[str]:
    codes = []
    for course in courses[:3]:
        code = f"LAUNCH-{course.pk}"
        if not Coupon.objects.filter(code=code).exists():
            with clock(start):
                coupons.create_coupon(
                    creator=course.owner, code=code, percent_off=20, course_id=course.pk
                )
        codes.append(code)
    return codes


def _moments(rng: random.Random, now: datetime) -> list[datetime]:
    """Purchase times over the last year, denser in recent months (a growing catalog)."""
    moments = []
    for _ in range(ORDERS):
        days_ago = 365 * rng.random() ** 1.6
        moments.append(now - timedelta(days=days_ago, minutes=rng.randrange(24 * 60)))
    return sorted(moments)


def _buy(buyer: User, course: Course, country: str, code: str | None, at: datetime) -> Order:
    with clock(at):
        order = checkout.checkout(
            buyer=buyer,
            course_ids=[course.pk],
            coupon_code=code,
            provider_name="demo",
            country=country,
        ).order
    with clock(at + timedelta(minutes=2)):
        event = payments.demo_outcome(payment_id=order.provider_payment_id or "", succeed=True)
        payments.process_event(event_id=event.pk)
    order.refresh_from_db()
    return order


def seed(log: Callable[[str], object]) -> None:
    if Order.objects.filter(buyer__email__endswith=f"@{BUYER_DOMAIN}").exists():
        return
    courses = list(
        Course.objects.filter(status=CourseStatus.PUBLISHED, price__gt=0)
        .select_related("owner")
        .order_by("id")
    )
    if not courses:
        return
    for country, (name, basis_points) in TAX_RATES.items():
        TaxRate.objects.get_or_create(
            country=country, defaults={"name": name, "basis_points": basis_points}
        )
    rng = random.Random(2026)  # noqa: S311 - the same demo every time, not a secret
    now = timezone.now()
    buyers = _buyers()
    codes = _coupons(courses, now - timedelta(days=366))
    # A few courses sell much better than the others, as in any catalog.
    weights = [1 + 8 * rng.random() ** 3 for _ in courses]
    paid: list[Order] = []
    for moment in _moments(rng, now):
        buyer = rng.choice(buyers)
        owned = set(
            Order.objects.filter(buyer=buyer, status=OrderStatus.PAID).values_list(
                "items__course_id", flat=True
            )
        )
        course = rng.choices(courses, weights)[0]
        if course.pk in owned or (course.published_at and course.published_at > moment):
            continue  # owned already, or not on sale yet
        launch = f"LAUNCH-{course.pk}"
        code = launch if launch in codes and rng.random() < 0.3 else None
        order = _buy(buyer, course, rng.choice(COUNTRIES), code, moment)
        if order.status == OrderStatus.PAID:
            paid.append(order)
    refunded = 0
    for order in rng.sample(paid, min(REFUNDS, len(paid))):
        assert order.paid_at is not None  # noqa: S101 - paid orders have their moment
        with clock(order.paid_at + timedelta(days=2)):
            refunds.request_refund(
                actor=order.buyer, order=order, reason="Not what I was looking for."
            )
        refunded += 1
    for buyer in buyers:  # each signed up just before their first order
        first = Order.objects.filter(buyer=buyer).aggregate(first=Min("created_at"))["first"]
        if first is not None:
            joined = first - timedelta(hours=1)
            User.objects.filter(pk=buyer.pk, date_joined__gt=joined).update(date_joined=joined)
    viewed = _page_views(rng, now)
    paid_out = _monthly_payouts(now)
    released = refunds.release_escrow()
    log(
        f"Demo sales: {len(paid)} orders over the last year through the real checkout "
        f"({refunded} refunded), {len(TAX_RATES)} tax rates, {len(codes)} coupons; "
        f"{paid_out} monthly payouts by bank transfer; escrow released for {released} sales; "
        f"{viewed} course page views."
    )


def _page_views(rng: random.Random, now: datetime) -> int:
    """A year of course page views, counted by day the way the catalog counts them (one per
    visitor and day), growing like the sales do, so views and view-to-purchase figures are
    there to read."""
    counts: dict[tuple[int, date], int] = {}
    for course_id in Course.objects.filter(status=CourseStatus.PUBLISHED).values_list(
        "id", flat=True
    ):
        popularity = 2 + 10 * rng.random() ** 2
        for days_ago in range(365):
            trend = 0.3 + 0.7 * (1 - days_ago / 365)
            views = round(popularity * trend * rng.uniform(0.5, 1.5))
            if views:
                counts[(course_id, (now - timedelta(days=days_ago)).date())] = views
    view_counts.write_views(counts)
    return sum(counts.values())


def _monthly_payouts(now: datetime) -> int:
    """On the first of each past month: sales older than the refund window leave escrow, and
    the admin records a bank transfer of every instructor's whole available balance."""
    admin = User.objects.filter(is_staff=True).order_by("pk").first()
    if admin is None:
        return 0
    count = 0
    month = (now - timedelta(days=365)).replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    while month < now:
        with clock(month):
            refunds.release_escrow(now=month)
            for row in payouts.due_balances():
                instructor = User.objects.get(pk=row["instructor_id"])
                payouts.record_manual_payout(
                    admin=admin,
                    instructor=instructor,
                    amount=-row["total"],
                    currency=row["currency"],
                    reference=f"Bank transfer {month:%b %Y}",
                    idempotency_key=f"demo-{instructor.pk}-{row['currency']}-{month:%Y-%m}",
                )
                count += 1
        month = (month + timedelta(days=32)).replace(day=1)
    return count
