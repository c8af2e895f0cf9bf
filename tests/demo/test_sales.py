"""Demo sales: a year of purchases through the real checkout, so the figures the demo shows
come from real orders, ledger entries and enrollments."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from agora.catalog.models import Course
from agora.commerce.models import (
    Coupon,
    LedgerAccount,
    LedgerEntry,
    Order,
    OrderStatus,
    Payout,
    PayoutMethod,
    TaxRate,
)
from agora.demo import sales as demo
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_year(monkeypatch):
    monkeypatch.setattr(demo, "BUYERS", 12)
    monkeypatch.setattr(demo, "ORDERS", 40)
    monkeypatch.setattr(demo, "REFUNDS", 3)


def test_a_year_of_real_sales_once(small_year):
    admin = UserFactory(is_staff=True)
    teacher = UserFactory(is_instructor=True)
    courses = [published_course(owner=teacher, price=1000 + 500 * i) for i in range(4)]
    published_course(owner=teacher, price=0)  # free courses are not sold
    out = StringIO()
    demo.seed(log=out.write)

    orders = Order.objects.filter(buyer__email__endswith="@buyers.agora.test")
    paid = orders.filter(status=OrderStatus.PAID)
    refunded = orders.filter(status=OrderStatus.REFUNDED)
    assert paid.count() >= 20
    assert refunded.count() == 3
    assert "Demo sales:" in out.getvalue()
    # Spread over the past year, each order dated by its own day.
    months = {order.paid_at.strftime("%Y-%m") for order in paid}
    assert len(months) >= 6
    assert all(order.paid_at <= timezone.now() for order in paid)
    assert min(order.created_at for order in paid) < timezone.now() - timezone.timedelta(days=90)
    # Tax where the buyer's country has a rate; the launch coupons were used.
    assert TaxRate.objects.filter(country="GB", basis_points=2000).exists()
    british = paid.filter(tax_country="GB")
    assert british.exists()
    assert all(order.tax > 0 and order.tax_basis_points == 2000 for order in british)
    assert Coupon.objects.filter(code__startswith="LAUNCH-").count() == 3
    assert paid.filter(coupon__code__startswith="LAUNCH-", discount__gt=0).exists()
    # Every learner count a course shows is its real enrollments.
    for course in Course.objects.filter(pk__in=[c.pk for c in courses]):
        live = Enrollment.objects.filter(course=course, revoked_at__isnull=True).count()
        assert course.enrollments_count == live
    # Monthly bank transfers paid out what had left escrow; what is left is this month's.
    transfers = Payout.objects.filter(instructor=teacher, method=PayoutMethod.MANUAL)
    assert transfers.count() >= 3  # months under the payout minimum carry over
    assert {payout.recorded_by_id for payout in transfers} == {admin.pk}
    assert all(payout.provider_reference.startswith("Bank transfer") for payout in transfers)
    assert len({payout.paid_at.strftime("%Y-%m") for payout in transfers}) == transfers.count()
    earned = -sum(
        entry.amount
        for entry in LedgerEntry.objects.filter(
            instructor_id=teacher.pk, account=LedgerAccount.INSTRUCTOR_AVAILABLE, amount__lt=0
        )
    )
    assert 0 < sum(payout.amount for payout in transfers) <= earned
    ledger = StringIO()
    call_command("check_ledger", stdout=ledger)
    assert "balances" in ledger.getvalue()

    before = orders.count()
    demo.seed(log=StringIO().write)
    assert orders.count() == before  # idempotent
