"""Every page type at a laptop's and a phone's width (1366 and 390 px), as the person who uses
it: none scrolls sideways, and each is saved as a screenshot to look at."""

from typing import Any

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.browser.conftest import browsing
from tests.browser.test_catalog import sign_in
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, enroll
from tests.community.factories import review_of

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
LONG = "A rather long course title that has to wrap somewhere on a small phone screen"


@pytest.fixture
def site(transactional_db: Any) -> dict[str, Any]:
    teacher = UserFactory(email="teacher@example.com", name="Tess Teacher", is_instructor=True)
    learner = UserFactory(email="learner@example.com", name="Lena Learner")
    admin = UserFactory(email="admin@example.com", name="Ada Admin", is_staff=True)
    course = CourseFactory(owner=teacher, title=LONG, price=0, slug="long-course")
    module = ModuleFactory(course=course, title="First steps")
    lesson = LessonFactory(module=module, title="Reading with a `code_sample_that_is_long()`")
    LessonFactory(module=module, title="Second lesson")
    enroll(learner, course)
    review_of(learner, course, rating=5, comment="Clear, practical and kind.")
    slug, course_id = course.slug, course.pk
    return {
        "anonymous": (
            None,
            {
                "home": reverse("home"),
                "browse": reverse("search") + "?q=course",
                "course": reverse("course_detail", args=[slug]),
                "sign-in": reverse("account_login"),
                "sign-up": reverse("account_signup"),
                "leaderboards": reverse("leaderboards"),
            },
        ),
        "learner": (
            learner,
            {
                "my-learning": reverse("my_learning"),
                "player": reverse("learn_lesson", args=[slug, lesson.pk]),
                "questions": reverse("course_questions", args=[slug]),
                "progress": reverse("my_progress"),
                "certificates": reverse("my_certificates"),
                "notifications": reverse("notification_list"),
                "notification-settings": reverse("notification_settings"),
                "messages": reverse("inbox"),
                "cart": reverse("cart"),
                "purchases": reverse("order_list"),
                "profile": reverse("profile"),
                "sessions": reverse("usersessions_list"),
                "your-data": reverse("account_data"),
                "public-profile": reverse("public_profile", args=[teacher.pk]),
            },
        ),
        "instructor": (
            teacher,
            {
                "studio": reverse("studio"),
                "studio-course": reverse("studio_course", args=[course_id]),
                "studio-curriculum": reverse("studio_curriculum", args=[course_id]),
                "studio-students": reverse("course_students", args=[course_id]),
                "studio-earnings": reverse("studio_earnings"),
                "studio-payouts": reverse("studio_payouts"),
                "studio-questions": reverse("studio_unanswered"),
            },
        ),
        "admin": (
            admin,
            {
                "admin-dashboard": reverse("admin_dashboard"),
                "review-queue": reverse("review_queue"),
                "transactions": reverse("admin_transactions"),
                "payouts": reverse("admin_payouts"),
                "reports": reverse("report_queue"),
                "audit-log": reverse("audit_log"),
            },
        ),
    }


@pytest.mark.parametrize("role", ["anonymous", "learner", "instructor", "admin"])
@pytest.mark.parametrize(("viewport", "size"), [(LAPTOP, "laptop"), (PHONE, "phone")])
def test_no_page_scrolls_sideways(browser, live_server, site, role, viewport, size, screenshot):
    person, pages = site[role]
    wide = []
    with browsing(browser, live_server, viewport=viewport, is_mobile=size == "phone") as page:
        if person is not None:
            sign_in(page, person.email)
        for name, path in pages.items():
            response = page.goto(path)
            assert response is not None
            assert response.status == 200, f"{path} answered {response.status}"
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            if overflow > 0:
                wide.append(f"{name} ({path}) by {overflow}px")
            screenshot(page, f"width-{size}-{name}")
    assert wide == [], f"scrolls sideways at {size} width: {wide}"
