"""Every page type at a laptop's and a phone's width (1366 and 390 px), as the person who uses
it: none scrolls sideways, and each is saved as a screenshot to look at."""

from typing import Any

import pytest
from django.urls import reverse

from agora.commerce.services import payouts
from tests.accounts.factories import UserFactory
from tests.browser.conftest import browsing, overflow
from tests.browser.test_catalog import sign_in
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, enroll
from tests.commerce.factories import paid_order, published_course, release_escrow_of
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
    # Money rows, so the ledger, payout and earnings tables hold real (long) references.
    order = paid_order(buyer=learner, course=published_course(owner=teacher, price=4999))
    release_escrow_of(order)
    for row in payouts.due_balances(minimum=0):
        payouts.record_manual_payout(
            admin=admin,
            instructor=teacher,
            amount=-row["total"],
            currency=row["currency"],
            reference="Bank transfer 2026-12 ref 7f3a9c2e5b1d4e8fa0c6b9d2e4f1a3c5",
        )
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
            too_wide = overflow(page)
            if too_wide > 0:
                wide.append(f"{name} ({path}) by {too_wide}px")
            screenshot(page, f"width-{size}-{name}")
    assert wide == [], f"scrolls sideways at {size} width: {wide}"
