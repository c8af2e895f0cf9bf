"""GET /instructor/analytics and /admin/analytics: exact figures from the rollups of real
purchases, ownership (another instructor's course is 404), roles and bad ranges."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agora.analytics import rollups
from agora.catalog.models import Course, CourseDailyStat
from agora.commerce.services import refunds
from tests.accounts.factories import UserFactory
from tests.analytics.conftest import paid_order
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, api_for
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def shop(admin, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    ada = UserFactory(is_instructor=True, name="Ada")
    other = UserFactory(is_instructor=True, name="Other")
    course = CourseFactory(owner=ada, price=5000, currency="USD", title="Databases")
    lesson = LessonFactory(module=ModuleFactory(course=course), title="Indexes")
    theirs = CourseFactory(owner=other, price=3000, currency="USD", title="Theirs")
    buyers = [UserFactory() for _ in range(3)]
    paid_order(buyers[0], [course], capture)
    refunded = paid_order(buyers[1], [course], capture)
    with capture(execute=True):
        refunds.request_refund(actor=admin, order=refunded, reason="no")
    paid_order(buyers[2], [theirs], capture)
    today = rollups.local_day(timezone.now())
    CourseDailyStat.objects.filter(course=course, day=today).update(views=20)
    rollups.refresh(first_day=today - timedelta(days=1), last_day=today)
    return {"ada": ada, "other": other, "course": course, "theirs": theirs, "lesson": lesson}


class TestInstructorAnalytics:
    def test_the_contract_fields_for_one_course(self, shop):
        course = shop["course"]
        response = api_for(shop["ada"]).get(f"/instructor/analytics?course_id={course.pk}")

        assert response.status_code == 200
        body = response.json()
        assert body["currency"] == "USD"
        assert (body["revenue"], body["gross"], body["refunded"]) == (5000, 10000, 5000)
        assert body["instructor_share"] == 4000  # 80% of the kept sale
        assert (body["enrollments"], body["completions"], body["completion_rate"]) == (2, 0, 0.0)
        assert body["enrollments_by_source"] == {
            "purchase": 2,
            "coupon": 0,
            "free": 0,
            "grant": 0,
            "gift": 0,
            "subscription": 0,
        }
        assert (body["views"], body["sales"], body["conversion_percent"]) == (20, 2, 10.0)
        assert len(body["series"]) == 30
        today = body["series"][-1]
        assert today == {
            "date": str(rollups.local_day(timezone.now())),
            "enrollments": 2,
            "revenue": 5000,
            "views": 20,
            "sales": 2,
        }
        assert [row["title"] for row in body["lessons"]] == ["Indexes"]
        assert body["lessons"][0] == {
            "lesson_id": shop["lesson"].pk,
            "title": "Indexes",
            "type": shop["lesson"].type,
            "started": 0,
            "completed": 0,
            "drop_off_percent": 0.0,
            "drop_off_from_previous_percent": None,
            "watch_seconds": 0,
            "duration_seconds": shop["lesson"].duration_seconds,
            "stops": [0] * 10,
        }
        # The cohort: the two enrollments made in the range (the refunded one too).
        assert (body["learners"], body["cohort_completed"], body["average_progress"]) == (
            2, 0, 0.0,
        )  # fmt: skip
        # The subscription pool is split per instructor: no line for one course.
        assert (body["subscription_share"], body["subscription_payouts"]) == (None, [])
        assert body["total_share"] == body["instructor_share"]

    def test_all_of_my_courses_leaves_others_out(self, shop):
        body = api_for(shop["ada"]).get("/instructor/analytics").json()

        assert (body["revenue"], body["sales"], body["course_id"]) == (5000, 2, None)
        assert body["lessons"] == []
        assert (body["subscription_share"], body["subscription_payouts"]) == (0, [])
        assert body["total_share"] == body["instructor_share"] == 4000

    def test_another_instructors_course_is_404(self, shop):
        response = api_for(shop["ada"]).get(f"/instructor/analytics?course_id={shop['theirs'].pk}")

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "course_not_found"
        assert api_for(shop["ada"]).get("/instructor/analytics?course_id=999999").status_code == 404

    def test_roles(self, shop):
        assert ApiClient().get("/instructor/analytics").status_code == 401
        assert api_for(UserFactory()).get("/instructor/analytics").status_code == 403

    def test_a_range_before_the_sales_is_empty(self, shop):
        body = (
            api_for(shop["ada"]).get("/instructor/analytics?from=2020-01-01&to=2020-01-31").json()
        )
        assert (body["revenue"], body["enrollments"], len(body["series"])) == (0, 0, 31)

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("from=2026-13-01", "from"),
            ("to=yesterday", "to"),
            ("from=2026-02-01&to=2026-01-01", "to"),
            ("from=2019-01-01&to=2026-01-01", "from"),
        ],
    )
    def test_bad_ranges_are_422(self, shop, query, field):
        response = api_for(shop["ada"]).get(f"/instructor/analytics?{query}")

        assert response.status_code == 422
        assert field in response.json()["error"]["fields"]


class TestAdminAnalytics:
    def test_the_contract_fields(self, admin, shop):
        response = api_for(admin).get("/admin/analytics")

        assert response.status_code == 200
        body = response.json()
        assert body["currency"] == "USD"
        # Paid 5000 + 5000 + 3000; 5000 refunded; commission 20% of what was kept.
        assert (body["gross"], body["refunds"], body["chargebacks"]) == (13000, 5000, 0)
        assert (body["platform"], body["tax"], body["net"]) == (1600, 0, 8000)
        assert body["signups"] == 6  # admin, two instructors, three buyers
        assert body["active_learners"] == 0
        assert [c["title"] for c in body["top_courses"]] == ["Databases", "Theirs"]
        assert body["top_courses"][0]["revenue"] == 5000
        assert [(i["name"], i["earned"]) for i in body["top_instructors"]] == [
            ("Ada", 4000),
            ("Other", 2400),
        ]
        assert sum(point["gross"] for point in body["series"]) == 13000
        assert body["monthly"][-1]["gross"] == 13000

    def test_top_categories_add_up_their_courses(self, admin, shop):
        databases, theirs = shop["course"], shop["theirs"]

        def categories() -> list[tuple]:
            body = api_for(admin).get("/admin/analytics").json()
            return [tuple(c.values()) for c in body["top_categories"]]

        # Ranked by sales: Databases sold twice (one refunded), Theirs once.
        assert categories() == [
            (databases.category_id, databases.category.name, 5000, 2),
            (theirs.category_id, theirs.category.name, 3000, 1),
        ]
        Course.objects.filter(pk=theirs.pk).update(category=databases.category)
        assert categories() == [(databases.category_id, databases.category.name, 8000, 3)]

    def test_only_admins(self, shop):
        assert ApiClient().get("/admin/analytics").status_code == 401
        response = api_for(shop["ada"]).get("/admin/analytics")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "admin_required"


class TestPeopleFigures:
    def test_signups_new_instructors_active_learners_and_cohorts(self, admin):
        """Two learners signed up this week (one active this week and last-week-joined one
        active too), an instructor whose first course is today."""
        from agora.learning.models import LessonProgress

        now = timezone.now()
        today = rollups.local_day(now)
        monday = rollups.monday_of(today)
        fresh = UserFactory(date_joined=now)
        older = UserFactory(date_joined=now - timedelta(days=8))
        UserFactory(date_joined=now)
        teacher = UserFactory(is_instructor=True, date_joined=now - timedelta(days=30))
        course = CourseFactory(owner=teacher, price=0)
        lesson = LessonFactory(module=ModuleFactory(course=course))
        for person in (fresh, older):
            LessonProgress.objects.create(user=person, lesson=lesson, course=course)
        rollups.refresh(first_day=today - timedelta(days=40), last_day=today)

        body = api_for(admin).get(f"/admin/analytics?from={today - timedelta(days=13)}").json()

        assert body["signups"] == 4  # the admin, fresh, older and the third; not the teacher
        assert body["new_instructors"] == 1
        assert body["active_learners"] == 2
        assert body["active_learners_daily"] == 2
        assert body["active_learners_weekly"] == 2
        cohorts = {row["week"]: row for row in body["cohorts"]}
        this_week = cohorts[str(monday)]
        assert this_week["active"][0] == 1  # fresh, active in their sign-up week
        older_week = cohorts[str(rollups.monday_of(rollups.local_day(older.date_joined)))]
        weeks_later = (monday - rollups.monday_of(rollups.local_day(older.date_joined))).days // 7
        assert older_week["active"][weeks_later] == 1
