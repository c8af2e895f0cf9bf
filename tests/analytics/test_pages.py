"""The analytics pages: instructor (own courses only) and admin, presets and dates, SVG
charts without inline styles, and a CSV of every table."""

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from agora.analytics import rollups
from agora.analytics.views import ADMIN_TABLES, INSTRUCTOR_TABLES
from agora.commerce.services import refunds
from tests.accounts.factories import UserFactory
from tests.analytics.conftest import paid_order
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def admin(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def shop(admin, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    ada = UserFactory(is_instructor=True, name="Ada")
    course = CourseFactory(owner=ada, price=5000, currency="USD", title="Databases")
    LessonFactory(module=ModuleFactory(course=course), title="Indexes", duration_seconds=300)
    theirs = CourseFactory(price=3000, currency="USD", title="Theirs")
    paid_order(UserFactory(), [course], capture)
    refunded = paid_order(UserFactory(), [course], capture)
    with capture(execute=True):
        refunds.request_refund(actor=admin, order=refunded, reason="no")
    paid_order(UserFactory(), [theirs], capture)
    today = rollups.local_day(timezone.now())
    rollups.refresh(first_day=today - timedelta(days=1), last_day=today)
    return {"ada": ada, "course": course, "theirs": theirs}


class TestInstructorPage:
    def test_figures_charts_and_funnel(self, shop):
        response = client_for(shop["ada"]).get(
            f"/studio/analytics/?course={shop['course'].pk}&preset=7d"
        )

        assert response.status_code == 200
        text = text_of(response)
        assert "Revenue 50.00 USD" in text
        assert "Your share of sales 40.00 USD" in text
        assert "Refunds 1 (50.00 USD)" in text
        assert "Indexes" in text
        assert "Lost since previous" in text
        assert "snapshot" not in text.lower()
        assert "whatever the range" not in text
        assert (
            "Completion rate and average progress: of the 2 enrollments made in these days" in text
        )
        assert "Subscription pool" not in text  # one course: the pool is not split by course
        everything = text_of(client_for(shop["ada"]).get("/studio/analytics/?preset=7d"))
        assert "Subscription pool 0.00 USD" in everything
        assert "Your earnings 40.00 USD" in everything
        assert "No subscription pool split was credited to you in these days." in everything
        html = response.content.decode()
        assert html.count('<svg class="chart"') == 3
        assert html.count('class="chart-bar"') >= 3 * 7
        assert " style=" not in html

    def test_another_instructors_course_is_404(self, shop):
        response = client_for(shop["ada"]).get(f"/studio/analytics/?course={shop['theirs'].pk}")
        assert response.status_code == 404

    def test_learners_are_403_and_visitors_sent_to_sign_in(self, shop):
        assert client_for(UserFactory()).get("/studio/analytics/").status_code == 403
        assert client_for().get("/studio/analytics/").status_code == 302

    def test_a_bad_date_shows_the_default_range_with_a_message(self, shop):
        response = client_for(shop["ada"]).get("/studio/analytics/?from=2026-99-01")
        assert response.status_code == 200
        assert "is a date like" in text_of(response)

    @pytest.mark.parametrize("table", list(INSTRUCTOR_TABLES))
    def test_every_table_as_csv(self, shop, table):
        response = client_for(shop["ada"]).get(
            f"/studio/analytics/?course={shop['course'].pk}&csv={table}"
        )

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == INSTRUCTOR_TABLES[table]

    def test_the_daily_csv_holds_the_days_figures(self, shop):
        response = client_for(shop["ada"]).get("/studio/analytics/?preset=7d&csv=series")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert len(rows) == 1 + 7
        assert rows[-1][1:] == ["2", "2", "5000", "0"]


class TestAdminPage:
    def test_figures_and_charts(self, admin, shop):
        response = client_for(admin).get("/admin-dashboard/analytics/?preset=30d")

        assert response.status_code == 200
        text = text_of(response)
        assert "GMV 130.00 USD" in text
        assert "Refunds 50.00 USD" in text
        assert "Databases" in text
        assert "Theirs" in text
        html = response.content.decode()
        assert html.count('<svg class="chart"') == 4
        assert " style=" not in html

    def test_only_admins(self, shop):
        assert client_for(shop["ada"]).get("/admin-dashboard/analytics/").status_code == 403

    @pytest.mark.parametrize("table", list(ADMIN_TABLES))
    def test_every_table_as_csv(self, admin, shop, table):
        response = client_for(admin).get(f"/admin-dashboard/analytics/?csv={table}")

        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ADMIN_TABLES[table]


class TestExportsPage:
    def test_an_instructor_asks_and_downloads(self, shop, django_capture_on_commit_callbacks):
        client = client_for(shop["ada"])
        page = client.get("/exports/")
        assert page.status_code == 200
        assert 'value="users"' not in page.content.decode()  # admins' kinds are not offered

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/exports/", {"kind": "sales", "format": "csv"})
        assert response.status_code == 302
        page = client.get("/exports/")
        text = text_of(page)
        assert "My sales (CSV)" in text
        assert "Done" in text
        link = re.search(r'href="(/exports/[^"/]+/)"', page.content.decode()).group(1)
        download = client.get(link)
        assert download.status_code == 200
        rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
        assert len(rows) == 3  # header and the two sales of Databases

    def test_asking_for_a_kind_not_yours_is_refused(self, shop):
        client = client_for(shop["ada"])
        response = client.post("/exports/", {"kind": "users", "format": "csv"}, follow=True)
        assert "Only admins export" in text_of(response)
        assert client_for(UserFactory()).get("/exports/").status_code == 403
