"""The catalog in Chromium: browsing with filters (htmx, no full reload, the URL keeps the
state, Back works), the course page with a lesson preview, and an instructor building and
submitting a course that an admin then approves."""

import re
from typing import Any

import pytest

from agora.catalog.models import Category, Course, CourseStatus, Lesson, LessonType, Module
from tests.accounts.factories import UserFactory
from tests.browser.conftest import MOBILE
from tests.catalog.factories import (
    CategoryFactory,
    CourseFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page: Any, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def path_of(page: Any, live_server: Any) -> str:
    return page.url.removeprefix(live_server.url)


def card_titles(page: Any) -> list[str]:
    return page.locator("#browse-results .course-card-title").all_inner_texts()


def mark_page(page: Any) -> None:
    """A flag that a full page load would wipe out."""
    page.evaluate("() => { window.agoraTestMarker = 'still here'; }")


def page_was_not_reloaded(page: Any) -> bool:
    return page.evaluate("() => window.agoraTestMarker") == "still here"


def category(name: str, slug: str, parent: Category | None = None) -> Category:
    found = Category.objects.filter(slug=slug).first()
    return found or CategoryFactory(name=name, slug=slug, parent=parent)


@pytest.fixture
def catalog(transactional_db: Any) -> dict[str, Any]:
    # The seeded categories are there for the first test on a fresh database and gone after
    # a flush: take them when they exist.
    development = category("Development", "development")
    web = category("Web Development", "web-development", parent=development)
    cooking = category("Cooking", "cooking")
    return {
        "development": development,
        "cooking": cooking,
        "free_web": CourseFactory(
            title="Free HTML Basics", price=0, category=web, enrollments_count=30
        ),
        "paid_web": CourseFactory(
            title="Paid Django Deep Dive", price=4900, category=web, enrollments_count=20
        ),
        "paid_food": CourseFactory(
            title="Paid Sourdough", price=1900, category=cooking, enrollments_count=10
        ),
    }


class TestBrowse:
    def test_filters_update_results_in_place_and_the_url_keeps_the_state(
        self, page, live_server, catalog, screenshot
    ):
        page.goto("/courses/")
        assert card_titles(page) == ["Free HTML Basics", "Paid Django Deep Dive", "Paid Sourdough"]
        mark_page(page)

        page.get_by_label("Category").select_option("development")
        page.wait_for_url("**/courses/?category=development")
        page.wait_for_function("() => document.querySelectorAll('.course-card').length === 2")
        assert card_titles(page) == ["Free HTML Basics", "Paid Django Deep Dive"]
        assert page.locator("#browse-count").inner_text() == "2 courses"

        page.locator("#facet-price-paid").check()
        page.wait_for_url("**/courses/?category=development&price=paid")
        page.wait_for_function("() => document.querySelectorAll('.course-card').length === 1")
        assert card_titles(page) == ["Paid Django Deep Dive"]
        assert page_was_not_reloaded(page)
        # The counts follow the other filters; the focused radio keeps the focus.
        assert page.locator("label[for=facet-price-free]").inner_text().strip() == "Free (1)"
        assert page.evaluate("() => document.activeElement.id") == "facet-price-paid"

        page.go_back()
        page.wait_for_url("**/courses/?category=development")
        page.wait_for_function("() => document.querySelectorAll('.course-card').length === 2")
        assert page.get_by_label("Category").input_value() == "development"
        assert page.locator("#facet-price-any").is_checked()

        page.go_back()
        page.wait_for_url(re.compile(r".*/courses/$"))
        page.wait_for_function("() => document.querySelectorAll('.course-card').length === 3")
        # Screenshots last: Playwright marks inputs with style="" to hide the caret, and
        # htmx would restore those attributes from its history cache on Back (a CSP report).
        page.goto("/courses/?category=development&price=paid")
        screenshot(page, "browse-filtered")

    def test_opening_the_url_shows_the_same_state(self, page, live_server, catalog):
        page.goto("/courses/?category=development&price=paid&sort=price_asc")

        assert card_titles(page) == ["Paid Django Deep Dive"]
        assert page.get_by_label("Category").input_value() == "development"
        assert page.locator("#facet-price-paid").is_checked()
        assert page.get_by_label("Sort by").input_value() == "price_asc"

    def test_sorting_and_the_empty_state(self, page, live_server, catalog):
        page.goto("/courses/")
        mark_page(page)

        page.get_by_label("Sort by").select_option("price_desc")
        page.wait_for_url("**/courses/?sort=price_desc")
        page.wait_for_function(
            "() => document.querySelector('.course-card-title').innerText"
            " === 'Paid Django Deep Dive'"
        )
        assert card_titles(page) == ["Paid Django Deep Dive", "Paid Sourdough", "Free HTML Basics"]

        page.get_by_label("Category").select_option("cooking")
        page.locator("#facet-price-free").check()
        page.wait_for_url("**/courses/?category=cooking&price=free&sort=price_desc")
        page.locator(".empty-state").wait_for()
        assert "No courses match with these filters." in page.locator(".empty-state").inner_text()
        assert page_was_not_reloaded(page)

    def test_phone_layout_folds_the_filters(self, mobile_page, live_server, catalog, screenshot):
        page = mobile_page
        page.goto("/courses/")
        summary = page.locator(".filters-disclosure > summary")
        assert summary.is_visible()
        assert not page.locator("#facet-price-free").is_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") == MOBILE["width"]

        summary.click()
        page.locator("label[for=facet-price-free]").click()
        page.wait_for_url("**/courses/?price=free")
        page.wait_for_function("() => document.querySelectorAll('.course-card').length === 1")
        assert page.locator(".filters-disclosure").get_attribute("open") == ""
        assert page.evaluate("() => document.documentElement.scrollWidth") == MOBILE["width"]
        screenshot(page, "browse-mobile")  # last: see the note in the first test


class TestSearchBox:
    def test_suggestions_as_you_type_and_recent_searches(
        self, page, live_server, catalog, screenshot
    ):
        page.goto("/")
        box = page.get_by_placeholder("Search courses")
        box.press_sequentially("sourd", delay=30)
        suggestions = page.get_by_role("region", name="Suggestions for “sourd”")
        suggestions.wait_for()
        assert suggestions.get_by_role("link", name="Paid Sourdough").is_visible()
        screenshot(page, "search-suggestions")
        box.press("ArrowDown")
        focused = page.evaluate("() => document.activeElement.textContent")
        assert "Paid Sourdough" in focused
        page.keyboard.press("Escape")
        assert suggestions.count() == 0
        assert page.evaluate("() => document.activeElement.id") == "site-search-q"

        box.fill("django")
        with page.expect_navigation():
            box.press("Enter")
        assert path_of(page, live_server) == "/courses/?q=django"
        page.goto("/")
        page.get_by_placeholder("Search courses").focus()
        recent = page.get_by_role("region", name="Recent searches")
        recent.wait_for()
        assert recent.get_by_role("link").all_inner_texts() == ["django"]
        page.mouse.click(5, 400)  # elsewhere: the list closes
        assert recent.count() == 0


class TestCoursePage:
    @pytest.fixture
    def course(self, catalog) -> Course:
        course = CourseFactory(
            title="Knots at Sea",
            slug="knots-at-sea",
            category=catalog["cooking"],
            description="Learn **knots** that hold.",
            learning_outcomes=["Tie a bowline"],
        )
        basics = ModuleFactory(course=course, title="Basics")
        LessonFactory(
            module=basics,
            title="Why knots matter",
            is_preview=True,
            body="A good knot **holds** and unties easily.",
            duration_seconds=420,
        )
        LessonFactory(module=basics, title="The bowline", duration_seconds=600)
        ModuleFactory(course=course, title="At sea")
        return course

    def test_curriculum_and_a_lesson_preview(self, page, live_server, course, screenshot):
        page.goto("/courses/knots-at-sea/")

        assert page.locator("h1").inner_text() == "Knots at Sea"
        modules = page.locator(".curriculum-module-title").all_inner_texts()
        assert modules == ["Basics", "At sea"]
        lessons = page.locator(".curriculum-module").first.locator(".curriculum-lesson-title")
        assert lessons.all_inner_texts() == ["Why knots matter", "The bowline"]
        duration = page.locator(".curriculum-duration").first
        assert duration.get_attribute("datetime") == "PT7M"
        assert duration.locator("[aria-hidden=true]").inner_text() == "7:00"
        assert page.locator(".preview-link").count() == 1
        screenshot(page, "course")

        page.get_by_role("link", name="Preview “Why knots matter”").click()
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        assert dialog.locator("h2").inner_text() == "Why knots matter"
        assert "A good knot holds and unties easily." in dialog.inner_text()
        assert path_of(page, live_server) == "/courses/knots-at-sea/"
        screenshot(page, "course-preview")

        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden")

    def test_phone_layout(self, mobile_page, live_server, course, screenshot):
        page = mobile_page
        page.goto("/courses/knots-at-sea/")

        assert page.evaluate("() => document.documentElement.scrollWidth") == MOBILE["width"]
        assert page.locator(".buy-price").is_visible()
        # The price and "Buy now" stay at the bottom of the screen while scrolling.
        bar = page.get_by_role("region", name="Price and enrollment")
        page.mouse.wheel(0, 1500)
        box = bar.bounding_box()
        assert box is not None
        assert abs(box["y"] + box["height"] - MOBILE["height"]) <= 1
        assert bar.inner_text().split() == ["19.99", "USD", "Buy", "now"]
        screenshot(page, "course-mobile")
        with page.expect_navigation():
            bar.get_by_role("link", name="Buy now").click()
        assert "/accounts/login/?next=/courses/knots-at-sea/" in page.url

    def test_sharing_and_no_buy_bar_on_a_laptop(self, page, live_server, course):
        page.goto("/courses/knots-at-sea/")
        assert not page.get_by_role("region", name="Price and enrollment").is_visible()
        share = page.locator(".share-course")
        linkedin = share.get_by_role("link", name="LinkedIn")
        assert linkedin.get_attribute("href").endswith("%2Fcourses%2Fknots-at-sea%2F")
        share.get_by_role("button", name="Copy link").click()
        status = share.locator("[data-copy-status]")
        page.wait_for_function("s => s.textContent.length > 0", arg=status.element_handle())
        assert status.inner_text() in {
            "Link copied.",
            f"Copy this address: {live_server.url}/courses/knots-at-sea/",
            "Copy this address: http://127.0.0.1:8000/courses/knots-at-sea/",
        }


class TestStudio:
    def test_build_submit_approve_and_find_a_course(self, page, live_server, catalog, screenshot):
        teacher = InstructorFactory(email="teacher@example.com", name="Tess Teacher")
        UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
        sign_in(page, teacher.email)

        # Create the course.
        page.goto("/studio/")
        page.get_by_role("link", name="New course").click()
        page.get_by_label("Title").fill("Ropework for Sailors")
        page.get_by_label("Category").select_option("cooking")
        with page.expect_navigation():
            page.get_by_role("button", name="Create course").click()
        course = Course.objects.get(title="Ropework for Sailors")
        assert path_of(page, live_server) == f"/studio/courses/{course.pk}/"
        assert page.locator(".editor-status").inner_text() == "Status: Draft"

        page.get_by_label("Description").fill("Everything about **ropes**.")
        page.get_by_label("Price", exact=True).fill("0")
        with page.expect_navigation():
            page.get_by_role("button", name="Save details").click()
        assert page.locator(".flash-success").inner_text() == "The course details are saved."

        # Two modules.
        page.get_by_role("link", name="Curriculum").click()
        for title in ["Getting started", "Going further"]:
            page.get_by_label("New module").fill(title)
            with page.expect_navigation():
                page.get_by_role("button", name="Add module").click()
        first, second = Module.objects.filter(course=course).order_by("position")

        # A text lesson and a quiz in the first module.
        page.get_by_role("link", name="Text lesson in “Getting started”").click()
        page.get_by_label("Title").fill("Reading the rope")
        page.get_by_label("Lesson text").fill("Ropes have **lay** and twist.")
        page.get_by_label("Duration").fill("6:30")
        page.get_by_label("Free preview").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Add lesson").click()
        assert "Lesson “Reading the rope” added" in page.locator(".flash-success").inner_text()

        page.get_by_role("link", name="Quiz lesson in “Getting started”").click()
        page.get_by_label("Title").fill("Knot check")
        question = page.locator("#question-1")
        question.get_by_label("Question", exact=True).fill("Which knot makes a fixed loop?")
        question.get_by_label("Answer type").select_option("single")
        question.get_by_label("Option 1", exact=True).fill("Bowline")
        question.get_by_label("Option 2", exact=True).fill("Clove hitch")
        question.get_by_label("Right answer: option 1").check()
        page.get_by_role("button", name="Add a question").click()
        second_question = page.locator("#question-2")
        second_question.get_by_label("Question", exact=True).fill("Name the loop knot.")
        second_question.get_by_label("Answer type").select_option("fill_blank")
        assert not second_question.locator(".question-options").is_visible()
        second_question.get_by_label("Accepted answers").fill("bowline")
        screenshot(page, "studio-quiz")
        with page.expect_navigation():
            page.get_by_role("button", name="Add lesson").click()
        quiz = Lesson.objects.get(title="Knot check")
        assert quiz.type == LessonType.QUIZ
        assert list(quiz.questions.values_list("kind", flat=True)) == ["single", "fill_blank"]

        # Reorder from the keyboard: the quiz moves above the reading.
        page.get_by_role("button", name="Move lesson “Knot check” up").focus()
        page.keyboard.press("Enter")
        status = page.locator("#reorder-status")
        status.filter(has_text="Moved “Knot check” to position 1 of 2.").wait_for()
        assert list(first.lessons.values_list("title", flat=True)) == [
            "Knot check",
            "Reading the rope",
        ]
        focused = page.evaluate("() => document.activeElement.textContent")
        assert "Move lesson “Knot check” down" in focused

        # And by drag and drop: the second module's handle onto the first module.
        handle = page.locator(f"#module-{second.pk} .module-handle")
        target = page.locator(f"#module-{first.pk} .module-head")
        box = handle.bounding_box()
        target_box = target.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        for step in range(1, 11):
            page.mouse.move(
                target_box["x"] + 40,
                box["y"] + (target_box["y"] + 5 - box["y"]) * step / 10,
            )
        page.mouse.up()
        status.filter(has_text="Moved “Going further” to position 1 of 2.").wait_for()
        assert list(course.modules.values_list("title", flat=True)) == [
            "Going further",
            "Getting started",
        ]
        assert page.locator(".module-number").all_inner_texts() == ["Module 1:", "Module 2:"]
        screenshot(page, "studio-curriculum")

        # Submit.
        with page.expect_navigation():
            page.get_by_role("button", name="Submit for review").click()
        assert page.locator(".editor-status").inner_text() == "Status: In review"
        course.refresh_from_db()
        assert course.status == CourseStatus.IN_REVIEW

        # An admin approves it on the review queue.
        page.context.clear_cookies()
        sign_in(page, "admin@example.com")
        page.goto("/review/")
        item = page.locator(f"#course-{course.pk}")
        assert item.locator("h2").inner_text() == "Ropework for Sailors"
        screenshot(page, "review-queue")
        with page.expect_navigation():
            item.get_by_role("button", name="Approve and publish “Ropework for Sailors”").click()
        assert page.locator(".flash-success").inner_text() == "“Ropework for Sailors” is published."
        course.refresh_from_db()
        assert course.status == CourseStatus.PUBLISHED

        # Now anyone finds it.
        page.context.clear_cookies()
        page.goto("/courses/?category=cooking")
        assert "Ropework for Sailors" in card_titles(page)
        page.get_by_role("link", name="Ropework for Sailors").click()
        page.wait_for_url("**/courses/ropework-for-sailors/")
        assert page.locator(".preview-link").count() == 1

    def test_rejecting_needs_a_reason(self, page, live_server, catalog):
        course = CourseFactory(
            title="Half Done", status=CourseStatus.IN_REVIEW, category=catalog["cooking"]
        )
        UserFactory(email="admin@example.com", is_staff=True)
        sign_in(page, "admin@example.com")
        page.goto("/review/")
        item = page.locator(f"#course-{course.pk}")

        reject = item.get_by_role("button", name="Reject “Half Done”")
        reject.click()  # the browser refuses an empty required reason
        assert path_of(page, live_server) == "/review/"
        item.get_by_label("Reason").fill("Please add the missing lessons.")
        with page.expect_navigation():
            reject.click()

        course.refresh_from_db()
        assert (course.status, course.rejection_reason) == (
            CourseStatus.REJECTED,
            "Please add the missing lessons.",
        )

    def test_studio_pages_fit_a_phone(self, mobile_page, live_server, catalog, screenshot):
        page = mobile_page
        teacher = InstructorFactory(email="teacher@example.com")
        course = CourseFactory(owner=teacher, title="Phone Course", category=catalog["cooking"])
        module = ModuleFactory(course=course, title="A module with a rather long title indeed")
        LessonFactory(module=module, title="A lesson", duration_seconds=300)
        sign_in(page, teacher.email)

        for path, name in [
            ("/studio/", "studio-mobile"),
            (f"/studio/courses/{course.pk}/", "studio-details-mobile"),
            (f"/studio/courses/{course.pk}/curriculum/", "studio-curriculum-mobile"),
        ]:
            page.goto(path)
            assert page.evaluate("() => document.documentElement.scrollWidth") == MOBILE["width"]
            screenshot(page, name)
