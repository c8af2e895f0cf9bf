"""GET /api/v1/admin/stats and the admin dashboard: figures computed from real purchases and
a refund that went through the commerce services."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.utils import timezone

from agora.analytics import queries
from agora.commerce.models import Order
from agora.commerce.services import checkout, payments, refunds
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.catalog.factories import CourseFactory, DraftCourseFactory, api_for, enroll
from tests.conftest import ApiClient, client_for

pytestmark = pytest.mark.django_db


def this_month() -> str:
    now = timezone.now().astimezone(UTC)
    return f"{now.year:04d}-{now.month:02d}"


def paid_order(buyer, course, capture) -> Order:
    result = checkout.checkout(buyer=buyer, course_ids=[course.pk])
    with capture(execute=True):
        payments.demo_outcome(payment_id=result.order.provider_payment_id, succeed=True)
    result.order.refresh_from_db()
    assert result.order.status == "paid"
    return result.order


@pytest.fixture
def admin(db):
    return UserFactory(is_staff=True, is_superuser=True, name="Ada Admin")


@pytest.fixture
def market(admin, django_capture_on_commit_callbacks):
    """Two instructors' courses; three sales (20% commission), one of them refunded; one
    free enrollment; one sale in EUR."""
    owner = UserFactory(is_instructor=True)
    UserFactory(is_instructor=True)
    course = CourseFactory(owner=owner, price=2500, currency="USD")
    other = CourseFactory(owner=owner, price=1000, currency="USD")
    euro = CourseFactory(owner=owner, price=4000, currency="EUR")
    DraftCourseFactory(owner=owner)
    buyers = [UserFactory() for _ in range(3)]
    capture = django_capture_on_commit_callbacks
    paid_order(buyers[0], course, capture)
    paid_order(buyers[1], other, capture)
    refunded = paid_order(buyers[2], course, capture)
    with capture(execute=True):
        refunds.request_refund(actor=admin, order=refunded, reason="Asked nicely")
    paid_order(buyers[0], euro, capture)
    free = CourseFactory(owner=owner, price=0)
    enroll(buyers[1], free)
    return {"course": course, "buyers": buyers}


class TestAccess:
    def test_anonymous_is_401(self):
        assert ApiClient().get("/admin/stats").status_code == 401

    def test_a_learner_or_instructor_is_403(self):
        for person in (UserFactory(), UserFactory(is_instructor=True)):
            response = api_for(person).get("/admin/stats")
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "admin_required"


class TestFigures:
    def test_totals_from_real_purchases_and_a_refund(self, admin, market):
        response = api_for(admin).get("/admin/stats")

        assert response.status_code == 200
        body = response.json()
        # admin + 2 instructors + 3 buyers
        assert (body["users"], body["instructors"]) == (6, 2)
        assert body["courses_published"] == 4  # the draft is not counted
        # Active: two USD purchases, one EUR purchase, one free (the refund revoked one).
        assert body["enrollments"] == 4
        # USD: 2500 + 1000 kept (2500 refunded); commission 20% of the kept sales.
        assert body["revenue"] == {"currency": "USD", "gross": 3500, "platform": 700}
        assert body["by_currency"] == [
            {"currency": "USD", "gross": 3500, "platform": 700},
            {"currency": "EUR", "gross": 4000, "platform": 800},
        ]

    def test_series_cover_the_last_twelve_months(self, admin, market):
        series = api_for(admin).get("/admin/stats").json()["series"]

        for name in ("users", "enrollments", "revenue"):
            assert len(series[name]) == 12
            assert series[name][-1]["month"] == this_month()
        months = [row["month"] for row in series["users"]]
        assert months == sorted(months)
        assert series["users"][-1]["count"] == 6
        assert sum(row["count"] for row in series["users"][:-1]) == 0
        assert series["enrollments"][-1]["count"] == 4
        assert series["revenue"][-1] == {"month": this_month(), "gross": 3500, "platform": 700}

    def test_older_sign_ups_count_in_the_total_not_in_the_series(self, admin):
        UserFactory(date_joined=timezone.now() - timedelta(days=400))
        months_ago = timezone.now() - timedelta(days=62)
        UserFactory(date_joined=months_ago)

        body = api_for(admin).get("/admin/stats").json()

        assert body["users"] == 3
        counts = {row["month"]: row["count"] for row in body["series"]["users"]}
        assert counts[f"{months_ago.year:04d}-{months_ago.month:02d}"] == 1
        assert sum(counts.values()) == 2

    def test_erased_accounts_and_revoked_enrollments_are_not_counted(self, admin):
        from agora.accounts.services import erase_user

        course = CourseFactory()
        learner = UserFactory()
        enroll(learner, course)
        gone = UserFactory()
        enroll(gone, course)
        Enrollment.objects.filter(learner=gone).update(revoked_at=timezone.now())
        erase_user(user=UserFactory())

        body = api_for(admin).get("/admin/stats").json()

        assert body["users"] == 4  # admin, course owner, learner, gone
        assert body["enrollments"] == 1

    def test_an_empty_platform(self, admin):
        body = api_for(admin).get("/admin/stats").json()

        assert body["revenue"] == {"currency": "USD", "gross": 0, "platform": 0}
        assert body["by_currency"] == []
        assert all(row["gross"] == 0 for row in body["series"]["revenue"])

    def test_a_bounded_number_of_queries(self, admin, market, django_assert_max_num_queries):
        with django_assert_max_num_queries(7):
            stats = queries.admin_stats()
        assert stats.revenue.gross == 3500
        client = api_for(admin)
        with django_assert_max_num_queries(9):  # plus the token's user and rate limit
            assert client.get("/admin/stats").status_code == 200


class TestLastMonths:
    def test_a_year_back_across_new_year(self):
        start, months = queries.last_months(datetime(2026, 2, 15, 10, tzinfo=UTC))

        assert start == datetime(2025, 3, 1, tzinfo=UTC)
        assert months[0] == "2025-03"
        assert months[-1] == "2026-02"
        assert len(months) == 12


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


class TestDashboardPage:
    def test_visitors_are_sent_to_sign_in(self):
        response = client_for().get("/admin-dashboard/")

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_non_admins_are_403(self):
        assert client_for(UserFactory()).get("/admin-dashboard/").status_code == 403

    def test_the_admin_sees_the_figures_and_monthly_bars(self, admin, market):
        response = client_for(admin).get("/admin-dashboard/")

        assert response.status_code == 200
        text = text_of(response)
        assert "Gross revenue 35.00 USD" in text
        assert "Platform revenue 7.00 USD" in text
        assert "Published courses 4" in text
        assert "Revenue in other currencies" in text
        assert "40.00 EUR" in text
        html = response.content.decode()
        assert html.count('class="bar bar-w-100"') == 3  # this month leads each chart
        assert html.count('class="bar bar-w-0"') == 33
        assert " style=" not in html
        assert "<script>" not in html
