"""The catalog's web pages: home, browse and search (with htmx), course pages and lesson
previews, the instructor studio and the admin review queue. Each page is checked for the
people who may use it and refused to those who may not, with nothing changed."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from agora.catalog.models import (
    Course,
    CourseInstructor,
    CourseStatus,
    Lesson,
    LessonType,
    Level,
    Module,
    QuizQuestion,
    Resource,
)
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    CategoryFactory,
    CoInstructorFactory,
    CourseFactory,
    DraftCourseFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
    QuizQuestionFactory,
    UrlResourceFactory,
    course_with_curriculum,
)
from tests.conftest import HTMX, client_for

pytestmark = pytest.mark.django_db


# --- helpers ---------------------------------------------------------------------------------
def html_of(response) -> str:
    return response.content.decode()


def text_of(response) -> str:
    """The page's text with tags dropped and white space collapsed, for exact phrases."""
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html_of(response), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def h1_of(response) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html_of(response), flags=re.S)
    assert match, "the page has no <h1>"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def card_titles(response) -> list[str]:
    """Titles of the course cards, in page order."""
    found = re.findall(
        r'<h3 class="course-card-title"><a href="[^"]+">(.*?)</a></h3>', html_of(response)
    )
    return [title.strip() for title in found]


def query_count(client: Client, url: str, **headers) -> int:
    cache.clear()  # the page's cached parts are built again: the worst case is counted
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content[:500]
    return len(queries.captured_queries)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def png_upload(name: str = "cover.png") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (640, 360), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def category(db):
    return CategoryFactory(name="Programming", slug="programming")


@pytest.fixture
def other_category(db):
    return CategoryFactory(name="Cooking", slug="cooking")


def courses_snapshot() -> list[tuple]:
    return list(
        Course.objects.order_by("pk").values_list(
            "pk", "title", "status", "price", "rejection_reason", "description"
        )
    )


def curriculum_snapshot() -> list[tuple]:
    return list(Module.objects.order_by("pk").values_list("pk", "title", "position")) + list(
        Lesson.objects.order_by("pk").values_list("pk", "title", "position", "module_id")
    )


# --- template filters ------------------------------------------------------------------------
class TestCatalogTags:
    def render(self, source: str, **context) -> str:
        return Template("{% load catalog_tags %}" + source).render(Context(context))

    def test_money_formats_minor_units(self):
        assert self.render("{{ 1999|money:'USD' }}") == "19.99 USD"
        assert self.render("{{ 0|money:'EUR' }}") == "Free"
        assert self.render("{{ 1500|money:'JPY' }}") == "1,500 JPY"

    @pytest.mark.parametrize(
        ("seconds", "expected"),
        [
            (0, "0:00"),
            (20, "0:20"),
            (75, "1:15"),
            (600, "10:00"),
            (3900, "1:05:00"),
            (7199, "1:59:59"),
        ],
    )
    def test_duration_reads_like_a_players_clock(self, seconds, expected):
        assert self.render("{{ s|duration }}", s=seconds) == expected

    def test_duration_words_and_iso(self):
        assert self.render("{{ 3900|duration_words }} {{ 3900|iso_duration }}") == (
            "1 hr 5 min PT1H5M"
        )
        assert self.render("{{ 75|iso_duration }} {{ 0|iso_duration }}") == "PT1M15S PT0S"

    def test_stars_are_text_with_a_label_and_no_inline_style(self):
        html = self.render("{% stars rating %}", rating=Decimal("3.76"))

        assert html.startswith('<span class="stars" role="img" aria-label="Rated 3.8 out of 5">')
        assert html.count("star-full") == 4
        assert html.count("star-half") == 0
        assert html.count("star-empty") == 1
        assert "style=" not in html
        assert self.render("{% stars 2.5 %}").count("star-half") == 1

    def test_markdown_is_sanitised_and_headings_can_move_down(self):
        html = self.render(
            "{{ text|markdown:2 }}", text="# Title\n\n<script>alert(1)</script> **bold**"
        )

        assert "<h3>Title</h3>" in html
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
        assert "<strong>bold</strong>" in html

    def test_markdown_headings_follow_the_outline_whatever_the_author_typed(self):
        # An author who starts at ## and jumps to ##### still gets h3 then h4 under an h2:
        # screen readers navigate by levels, and a skipped one reads as missing content.
        html = self.render(
            "{{ text|markdown:2 }}", text="## Why\n\ntext\n\n##### Detail\n\n## How\n\nmore"
        )

        assert "<h3>Why</h3>" in html
        assert "<h4>Detail</h4>" in html
        assert "<h3>How</h3>" in html
        assert self.render("{{ text|markdown }}", text="### Kept") == "<h3>Kept</h3>\n"


# --- home ------------------------------------------------------------------------------------
class TestHome:
    def test_shows_rows_of_published_courses_and_the_categories(self, category):
        featured = CourseFactory(title="Featured Knots", is_featured=True, category=category)
        trending = CourseFactory(title="Trending Sails", trending_score=50, category=category)
        rated = CourseFactory(
            title="Rated Maps", average_rating=Decimal("4.80"), ratings_count=12, category=category
        )
        DraftCourseFactory(title="Secret Draft", category=category)

        response = client_for().get("/")

        assert response.status_code == 200
        text = text_of(response)
        assert "Learn from people who do the work" in text
        assert "Secret Draft" not in text
        html = html_of(response)
        for row_id, course in [
            ("featured", featured),
            ("trending", trending),
            ("top-rated", rated),
        ]:
            row = html.split(f'id="row-{row_id}"', 1)[1].split("</section>", 1)[0]
            assert f">{course.title}</a>" in row
        new_row = html.split('id="row-new"', 1)[1].split("</section>", 1)[0]
        assert all(f">{c.title}</a>" in new_row for c in (featured, trending, rated))
        assert f'href="/courses/?category={category.slug}">{category.name}</a>' in html

    def test_empty_catalog_says_so(self, db):
        response = client_for().get("/")

        assert "The catalog appears here as instructors publish their courses." in text_of(response)
        assert 'id="row-new"' not in html_of(response)

    def test_query_count_does_not_grow_with_the_catalog(self, category):
        CourseFactory.create_batch(2, category=category)
        few = query_count(client_for(), "/")
        CourseFactory.create_batch(20, category=category, is_featured=True, trending_score=3)
        many = query_count(client_for(), "/")

        assert many == few


# --- browse ----------------------------------------------------------------------------------
class TestBrowse:
    @pytest.fixture
    def catalog(self, category, other_category):
        return {
            "free_code": CourseFactory(
                title="Free Python", price=0, category=category, enrollments_count=30
            ),
            "paid_code": CourseFactory(
                title="Paid Python", price=2500, category=category, enrollments_count=20
            ),
            "paid_food": CourseFactory(
                title="Paid Bread", price=900, category=other_category, enrollments_count=10
            ),
            "draft": DraftCourseFactory(title="Draft Python", category=category),
        }

    def test_lists_published_courses_most_popular_first(self, catalog):
        response = client_for().get("/courses/")

        assert response.status_code == 200
        assert h1_of(response) == "Courses"
        assert card_titles(response) == ["Free Python", "Paid Python", "Paid Bread"]
        assert "3 courses" in text_of(response)

    def test_filters_by_category_and_price_and_shows_the_state(self, catalog, category):
        response = client_for().get("/courses/", {"category": category.slug, "price": "paid"})

        assert card_titles(response) == ["Paid Python"]
        html = html_of(response)
        assert f'<option value="{category.slug}" selected>All Programming (1)</option>' in html
        assert (
            '<input type="radio" id="facet-price-paid" name="price" value="paid" checked>' in html
        )
        # Counts of a dimension ignore its own filter: both prices stay choosable.
        assert 'value="free"> Free <span class="facet-count">(1)</span>' in html
        assert 'value="paid" checked> Paid <span class="facet-count">(1)</span>' in html

    def test_the_form_updates_results_with_htmx_and_keeps_the_url(self, catalog):
        html = html_of(client_for().get("/courses/"))

        form = re.search(r'<form id="browse-form"[^>]*>', html, flags=re.S).group(0)
        assert 'action="/courses/" method="get"' in form
        assert 'hx-get="/courses/"' in form
        assert 'hx-target="#browse-results"' in form
        assert 'hx-push-url="true"' in form
        assert 'hx-trigger="change, submit"' in form

    def test_htmx_request_gets_only_the_results_and_the_canonical_url(self, catalog, category):
        response = client_for().get(
            "/courses/",
            {"q": "", "category": category.slug, "price": "free", "level": "", "sort": ""},
            headers=HTMX,
        )

        assert response.status_code == 200
        html = html_of(response)
        assert "<html" not in html
        assert "<h1" not in html
        assert card_titles(response) == ["Free Python"]
        assert response["HX-Push-Url"] == f"/courses/?category={category.slug}&price=free"
        assert '<div id="browse-facets" hx-swap-oob="innerHTML">' in html
        assert '<p id="browse-count" hx-swap-oob="innerHTML">1 course' in html
        assert "HX-Request" in response["Vary"]

    def test_history_restore_gets_the_whole_page(self, catalog):
        response = client_for().get(
            "/courses/", headers={**HTMX, "HX-History-Restore-Request": "true"}
        )

        assert "<html" in html_of(response)
        assert h1_of(response) == "Courses"

    def test_search_matches_titles_and_sorts_by_relevance(self, catalog):
        response = client_for().get("/courses/", {"q": "python"})

        assert h1_of(response) == "Courses matching “python”"
        assert sorted(card_titles(response)) == ["Free Python", "Paid Python"]
        assert '<option value="relevance" selected>Best match</option>' in html_of(response)

    def test_hostile_queries_never_break_the_page(self, catalog):
        for query in ['"python', "100%", "a AND NOT b OR (", "🐍 python", "x" * 5000, "-*"]:
            response = client_for().get("/courses/", {"q": query})
            assert response.status_code == 200, query
        long_query = client_for().get("/courses/", {"q": "python " * 1000})
        assert sorted(card_titles(long_query)) == ["Free Python", "Paid Python"]

    def test_sort_by_price(self, catalog):
        response = client_for().get("/courses/", {"sort": "price_desc"})

        assert card_titles(response) == ["Paid Python", "Paid Bread", "Free Python"]

    def test_unknown_filter_values_are_ignored(self, catalog):
        response = client_for().get(
            "/courses/",
            {"price": "cheap", "min_rating": "9", "level": "guru", "sort": "x", "page": "zero"},
        )

        assert response.status_code == 200
        assert len(card_titles(response)) == 3

    def test_min_rating_and_level(self, category):
        CourseFactory(
            title="Good", average_rating=Decimal("4.6"), level=Level.BEGINNER, category=category
        )
        CourseFactory(title="Fair", average_rating=Decimal("3.2"), level=Level.BEGINNER)
        CourseFactory(title="Hard", average_rating=Decimal("4.9"), level=Level.ADVANCED)

        response = client_for().get("/courses/", {"min_rating": "4.5", "level": "beginner"})

        assert card_titles(response) == ["Good"]

    def test_pagination(self, category):
        for number in range(23):
            CourseFactory(title=f"Course {number:02d}", enrollments_count=100 - number)

        first = client_for().get("/courses/")
        second = client_for().get("/courses/", {"page": "2"})

        assert len(card_titles(first)) == 20
        assert card_titles(second) == ["Course 20", "Course 21", "Course 22"]
        assert "23 courses · page 2 of 2" in text_of(second)
        assert 'href="/courses/?page=2"' in html_of(first)
        assert 'rel="prev"' in html_of(second)

    def test_empty_state(self, catalog):
        response = client_for().get("/courses/", {"q": "submarine"})

        assert card_titles(response) == []
        assert "No courses match “submarine”." in text_of(response)

    def test_query_count_does_not_grow_with_the_results(self, category):
        CourseFactory.create_batch(2, category=category)
        few = query_count(client_for(), "/courses/?price=paid")
        CourseFactory.create_batch(25, category=category)
        many = query_count(client_for(), "/courses/?price=paid")
        CourseFactory.create_batch(25, category=category)
        more = query_count(client_for(), "/courses/?price=paid")
        partial = query_count(client_for(), "/courses/?price=paid", **HTMX)

        # A short last page skips the COUNT query; past one page the cost stays constant.
        assert few <= many
        assert more == many
        assert partial <= many


# --- a course --------------------------------------------------------------------------------
class TestCoursePage:
    @pytest.fixture
    def course(self, category):
        course = CourseFactory(
            title="Knots at Sea",
            slug="knots-at-sea",
            category=category,
            description="Learn **knots**.\n\n<script>alert(1)</script>",
            learning_outcomes=["Tie a bowline"],
            requirements=["A rope"],
            price=1999,
            average_rating=Decimal("4.50"),
            ratings_count=8,
        )
        module = ModuleFactory(course=course, title="Basics")
        LessonFactory(
            module=module,
            title="Why knots",
            is_preview=True,
            body="Knots **hold**.",
            duration_seconds=3900,
        )
        LessonFactory(module=module, title="The bowline", body="Secret content")
        return course

    def test_shows_everything_a_buyer_needs(self, course):
        response = client_for().get("/courses/knots-at-sea/")

        assert response.status_code == 200
        assert h1_of(response) == "Knots at Sea"
        text = text_of(response)
        html = html_of(response)
        for phrase in [
            "What you\u2019ll learn Tie a bowline",
            "Requirements A rope",
            "Basics 2 lessons",
            "19.99 USD",
            "Average 4.5 out of 5 from 8 ratings.",
            "Buy now",
        ]:
            assert phrase in text
        assert "<strong>knots</strong>" in html
        assert "<script>alert" not in html
        assert '<span aria-hidden="true">1:05:00</span>' in html  # the lesson's duration
        assert html.count('class="preview-link"') == 1
        assert 'href="/courses/knots-at-sea/lessons/' in html
        assert "Secret content" not in html
        assert f'id="instructor-{course.owner.pk}"' in html
        assert 'href="/accounts/login/?next=/courses/knots-at-sea/"' in html

    def test_counts_one_view_per_visitor_per_day(self, course):
        client = client_for()
        client.get("/courses/knots-at-sea/")
        client.get("/courses/knots-at-sea/")
        client_for(UserFactory()).get("/courses/knots-at-sea/")

        course.refresh_from_db()
        assert course.views_count == 2

    def test_an_id_redirects_to_the_slug(self, course):
        response = client_for().get(f"/courses/{course.pk}/")

        assert response.status_code == 301
        assert response["Location"] == "/courses/knots-at-sea/"

    def test_draft_is_hidden_from_everyone_but_its_instructors_and_admins(self, category):
        draft = DraftCourseFactory(slug="secret", category=category)
        co = CoInstructorFactory(course=draft).user
        url = "/courses/secret/"

        for outsider in [None, UserFactory(), InstructorFactory()]:
            assert client_for(outsider).get(url).status_code == 404
        for insider in [draft.owner, co, UserFactory(is_staff=True)]:
            response = client_for(insider).get(url)
            assert response.status_code == 200
            assert "only its instructors and admins can see this page" in text_of(response)
        draft.refresh_from_db()
        assert draft.views_count == 0

    def test_preview_lesson_renders_in_full_and_as_a_fragment(self, course):
        lesson = Lesson.objects.get(title="Why knots")
        url = f"/courses/knots-at-sea/lessons/{lesson.pk}/preview/"

        page = client_for().get(url)
        fragment = client_for().get(url, headers=HTMX)

        assert page.status_code == 200
        assert h1_of(page) == "Why knots"
        assert "<strong>hold</strong>" in html_of(page)
        assert fragment.status_code == 200
        assert "<html" not in html_of(fragment)
        assert '<h2 id="preview-title" class="preview-title">Why knots</h2>' in html_of(fragment)

    def test_locked_lesson_is_refused_and_foreign_lessons_are_not_found(self, course, category):
        locked = Lesson.objects.get(title="The bowline")
        elsewhere = LessonFactory(is_preview=True)

        response = client_for().get(f"/courses/knots-at-sea/lessons/{locked.pk}/preview/")
        assert response.status_code == 403
        assert "Secret content" not in html_of(response)
        foreign = client_for().get(f"/courses/knots-at-sea/lessons/{elsewhere.pk}/preview/")
        assert foreign.status_code == 404
        # The instructor may open every lesson.
        owner = client_for(course.owner)
        assert owner.get(f"/courses/knots-at-sea/lessons/{locked.pk}/preview/").status_code == 200

    def test_preview_shows_quiz_size_but_not_answers(self, course):
        quiz = LessonFactory(
            module=course.modules.first(),
            type=LessonType.QUIZ,
            is_preview=True,
            pass_percent=80,
            body="",
        )
        QuizQuestionFactory(lesson=quiz, prompt="Secret prompt", options=["a", "b"], correct=[1])

        response = client_for().get(f"/courses/knots-at-sea/lessons/{quiz.pk}/preview/")

        assert "A quiz of 1 question; 80% to pass." in text_of(response)
        assert "Secret prompt" not in text_of(response)

    def test_resources_download_with_the_lessons_access(self, course):
        preview = Lesson.objects.get(title="Why knots")
        locked = Lesson.objects.get(title="The bowline")
        link = UrlResourceFactory(lesson=preview, url="https://example.com/a.pdf")
        hidden = UrlResourceFactory(lesson=locked, url="https://example.com/b.pdf")

        open_response = client_for().get(f"/resources/{link.pk}/download/")
        locked_response = client_for().get(f"/resources/{hidden.pk}/download/")

        assert open_response.status_code == 302
        assert open_response["Location"] == "https://example.com/a.pdf"
        assert locked_response.status_code == 403

    def test_the_buy_card_lists_what_is_included(self, category):
        course = CourseFactory(category=category, slug="included")
        module = ModuleFactory(course=course)
        LessonFactory(module=module, type="video", duration_seconds=3900)
        LessonFactory(module=module, type="text", duration_seconds=300)
        QuizQuestionFactory(lesson=LessonFactory(module=module, type="quiz", pass_percent=70))
        LessonFactory(module=module, type="code", duration_seconds=600)
        UrlResourceFactory(lesson=module.lessons.first())
        UrlResourceFactory(lesson=module.lessons.first())

        page = text_of(client_for().get("/courses/included/"))

        for line in (
            "1 hr 5 min of video",
            "4 lessons",
            "1 quiz",
            "1 coding exercise",
            "2 downloadable resources",
            "Certificate of completion",
        ):
            assert line in page, line

    def test_the_instructor_card_shows_rating_learners_and_courses(self, category):
        teacher = InstructorFactory()
        course = CourseFactory(
            owner=teacher,
            slug="rated",
            average_rating=Decimal("4.00"),
            ratings_count=10,
            enrollments_count=120,
        )
        CourseFactory(
            owner=teacher, average_rating=Decimal("5.00"), ratings_count=30, enrollments_count=80
        )
        DraftCourseFactory(owner=teacher, average_rating=Decimal("1.00"), ratings_count=99)
        co_taught = CourseFactory(ratings_count=0, enrollments_count=5)
        CoInstructorFactory(course=co_taught, user=teacher)

        page = text_of(client_for().get(f"/courses/{course.slug}/"))

        # (4 x 10 + 5 x 30) / 40 ratings; learners and courses of the published ones only.
        assert "★ 4.8 instructor rating (40 ratings)" in page
        assert "205 learners" in page
        assert "3 courses" in page

    def test_query_count_does_not_grow_with_the_curriculum(self, category):
        small = course_with_curriculum(modules=1, lessons=2, slug="small", category=category)
        big = course_with_curriculum(modules=5, lessons=8, slug="big", category=category)
        CoInstructorFactory(course=big)

        assert small.pk != big.pk
        assert query_count(client_for(), "/courses/big/") == query_count(
            client_for(), "/courses/small/"
        )


# --- studio ----------------------------------------------------------------------------------
class TestStudioAccess:
    def test_visitors_are_sent_to_sign_in(self, db):
        for url in ["/studio/", "/studio/courses/new/", "/studio/courses/1/"]:
            response = client_for().get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")

    def test_a_learner_is_invited_to_teach(self, learner):
        response = client_for(learner).get("/studio/")

        assert response.status_code == 200
        assert "Teach on Agora" in text_of(response)
        assert 'action="/studio/become-instructor/"' in html_of(response)
        assert "New course" not in text_of(response)

    def test_becoming_an_instructor(self, learner):
        response = client_for(learner).post("/studio/become-instructor/")

        assert response.status_code == 302
        assert response["Location"] == "/studio/courses/new/"
        learner.refresh_from_db()
        assert learner.is_instructor is True

    def test_become_instructor_takes_post_only(self, learner):
        assert client_for(learner).get("/studio/become-instructor/").status_code == 405
        learner.refresh_from_db()
        assert learner.is_instructor is False

    def test_a_learner_cannot_create_a_course(self, learner, category):
        response = client_for(learner).post(
            "/studio/courses/new/", {"title": "Mine", "category": category.slug}
        )

        assert response.status_code == 302
        assert response["Location"] == "/studio/"
        assert not Course.objects.exists()

    def test_studio_lists_my_courses_with_their_status(self, instructor, category):
        CourseFactory(owner=instructor, title="Live one", category=category)
        DraftCourseFactory(owner=instructor, title="Draft one", category=category)
        co_taught = DraftCourseFactory(title="Shared one", category=category)
        CoInstructorFactory(course=co_taught, user=instructor)
        DraftCourseFactory(title="Someone else's", category=category)

        response = client_for(instructor).get("/studio/")

        text = text_of(response)
        assert "Live one Published" in text
        assert "Draft one Draft" in text
        assert "Shared one Draft" in text
        assert "Co-instructor" in text
        assert "Someone else's" not in text

    @pytest.mark.parametrize(
        "path",
        [
            "/studio/courses/{id}/",
            "/studio/courses/{id}/curriculum/",
            "/studio/courses/{id}/instructors/",
        ],
    )
    def test_editor_pages_open_for_editors_only(self, path, instructor, other_instructor):
        course = DraftCourseFactory(owner=instructor)
        co = CoInstructorFactory(course=course).user
        url = path.format(id=course.pk)

        for editor in [instructor, co, UserFactory(is_staff=True)]:
            assert client_for(editor).get(url).status_code == 200
        for outsider in [other_instructor, UserFactory()]:
            assert client_for(outsider).get(url).status_code == 404


class TestCreateAndEditCourse:
    def test_create_a_draft(self, instructor, category):
        response = client_for(instructor).post(
            "/studio/courses/new/", {"title": "  Sailing  ", "category": category.slug}
        )

        course = Course.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/studio/courses/{course.pk}/"
        assert (course.title, course.owner, course.status) == (
            "Sailing",
            instructor,
            CourseStatus.DRAFT,
        )

    def test_create_needs_a_title(self, instructor, category):
        response = client_for(instructor).post(
            "/studio/courses/new/", {"title": "", "category": category.slug}
        )

        assert response.status_code == 200
        assert "Title: This field is required." in text_of(response)
        assert not Course.objects.exists()

    def details(self, course, **changes) -> dict:
        data = {
            "title": course.title,
            "subtitle": "",
            "description": "",
            "category": course.category.slug,
            "level": "all",
            "language": "en",
            "price": "0",
            "currency": "USD",
            "promo_video_url": "",
            "learning_outcomes_text": "",
            "requirements_text": "",
            "tags_text": "",
        }
        data.update(changes)
        return data

    def test_save_every_detail(self, instructor, category, other_category):
        course = DraftCourseFactory(owner=instructor, category=category)

        response = client_for(instructor).post(
            f"/studio/courses/{course.pk}/",
            self.details(
                course,
                title="Bread at Home",
                subtitle="Loaves and more",
                description="# Flour\n\nWater.",
                category=other_category.slug,
                level="beginner",
                language="fr",
                price="12.50",
                currency="EUR",
                promo_video_url="https://example.com/trailer.mp4",
                learning_outcomes_text="Knead\n\n  Bake  \n",
                requirements_text="An oven",
                tags_text="bread, baking , ",
                thumbnail=png_upload(),
                in_subscription="on",
            ),
        )

        assert response.status_code == 302
        course.refresh_from_db()
        assert course.title == "Bread at Home"
        assert course.slug == "bread-at-home"
        assert course.category == other_category
        assert (course.price, course.currency, course.level, course.language) == (
            1250,
            "EUR",
            "beginner",
            "fr",
        )
        assert course.learning_outcomes == ["Knead", "Bake"]
        assert course.requirements == ["An oven"]
        assert course.tags == ["bread", "baking"]
        assert course.promo_video_url == "https://example.com/trailer.mp4"
        assert course.thumbnail.name.endswith(".jpg")
        assert course.in_subscription is True

    def test_price_precision_follows_the_currency(self, instructor, category):
        course = DraftCourseFactory(owner=instructor, category=category, price=500)

        response = client_for(instructor).post(
            f"/studio/courses/{course.pk}/", self.details(course, price="10.5", currency="JPY")
        )

        assert response.status_code == 200
        assert "Price: JPY prices are whole numbers." in text_of(response)
        course.refresh_from_db()
        assert (course.price, course.currency) == (500, "USD")

    def test_a_non_image_thumbnail_is_refused_and_nothing_saved(self, instructor, category):
        course = DraftCourseFactory(owner=instructor, category=category, title="Before")
        fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")

        response = client_for(instructor).post(
            f"/studio/courses/{course.pk}/", self.details(course, title="After", thumbnail=fake)
        )

        assert response.status_code == 200
        assert "Course image:" in text_of(response)
        course.refresh_from_db()
        assert course.title == "Before"
        assert not course.thumbnail

    def test_outsiders_cannot_save(self, instructor, other_instructor, category):
        course = DraftCourseFactory(owner=instructor, category=category, title="Mine")
        before = courses_snapshot()

        for outsider in [other_instructor, UserFactory()]:
            response = client_for(outsider).post(
                f"/studio/courses/{course.pk}/", self.details(course, title="Stolen")
            )
            assert response.status_code == 404
        assert courses_snapshot() == before

    def test_duplicate_and_delete(self, instructor, category):
        course = course_with_curriculum(owner=instructor, category=category, title="Original")
        client = client_for(instructor)

        response = client.post(f"/studio/courses/{course.pk}/duplicate/")
        copy = Course.objects.exclude(pk=course.pk).get()
        assert response["Location"] == f"/studio/courses/{copy.pk}/"
        assert copy.title == "Original (copy)"
        assert copy.status == CourseStatus.DRAFT

        response = client.post(f"/studio/courses/{copy.pk}/delete/")
        assert response.status_code == 302
        assert not Course.objects.filter(pk=copy.pk).exists()

    def test_only_the_owner_deletes(self, instructor, category):
        course = DraftCourseFactory(owner=instructor, category=category)
        co = CoInstructorFactory(course=course).user

        response = client_for(co).post(f"/studio/courses/{course.pk}/delete/")

        assert response.status_code == 403
        assert Course.objects.filter(pk=course.pk).exists()


class TestCurriculumBuilder:
    @pytest.fixture
    def course(self, instructor, category):
        return DraftCourseFactory(owner=instructor, category=category)

    def test_add_rename_and_delete_a_module(self, instructor, course):
        client = client_for(instructor)

        response = client.post(f"/studio/courses/{course.pk}/modules/", {"title": "Basics"})
        module = Module.objects.get()
        assert response["Location"] == f"/studio/courses/{course.pk}/curriculum/#module-{module.pk}"
        assert (module.course, module.title, module.position) == (course, "Basics", 1)

        client.post(f"/studio/modules/{module.pk}/rename/", {"title": "Foundations"})
        module.refresh_from_db()
        assert module.title == "Foundations"

        client.post(f"/studio/modules/{module.pk}/delete/")
        assert not Module.objects.exists()

    def test_curriculum_page_shows_modules_lessons_and_reorder_controls(self, instructor, course):
        module = ModuleFactory(course=course, title="Basics")
        LessonFactory(module=module, title="Hello", duration_seconds=600)

        response = client_for(instructor).get(f"/studio/courses/{course.pk}/curriculum/")

        html = html_of(response)
        assert f'data-order-url="/studio/courses/{course.pk}/modules/order/"' in html
        assert f'data-order-url="/studio/modules/{module.pk}/lessons/order/"' in html
        assert "Move lesson “Hello” up" in html
        assert f'href="/studio/modules/{module.pk}/lessons/new/?type=quiz"' in html
        assert '<script src="/static/vendor/sortable/Sortable.min.js" defer></script>' in html
        assert " style=" not in html

    def test_add_a_text_lesson(self, instructor, course):
        module = ModuleFactory(course=course)

        response = client_for(instructor).post(
            f"/studio/modules/{module.pk}/lessons/new/",
            {
                "type": "text",
                "title": "Reading one",
                "body": "Some *text*",
                "duration": "12:30",
                "is_preview": "on",
            },
        )

        lesson = Lesson.objects.get()
        assert response.status_code == 302
        assert (lesson.type, lesson.title, lesson.body, lesson.duration_seconds) == (
            "text",
            "Reading one",
            "Some *text*",
            750,
        )
        assert lesson.is_preview is True

    @pytest.mark.parametrize("lesson_type", ["video", "text", "quiz", "file", "code"])
    def test_new_lesson_form_for_each_type(self, instructor, course, lesson_type):
        module = ModuleFactory(course=course)

        response = client_for(instructor).get(
            f"/studio/modules/{module.pk}/lessons/new/", {"type": lesson_type}
        )

        assert response.status_code == 200
        html = html_of(response)
        assert ('name="video_url"' in html) is (lesson_type == "video")
        assert ('name="pass_percent"' in html) is (lesson_type == "quiz")
        assert ('name="questions-TOTAL_FORMS"' in html) is (lesson_type == "quiz")
        assert ('name="starter_code"' in html) is (lesson_type == "code")

    def quiz_data(self, **extra) -> dict:
        data = {
            "type": "quiz",
            "title": "Check",
            "pass_percent": "60",
            "questions-TOTAL_FORMS": "3",
            "questions-INITIAL_FORMS": "0",
            "questions-MIN_NUM_FORMS": "0",
            "questions-MAX_NUM_FORMS": "100",
            "questions-0-prompt": "Pick b",
            "questions-0-kind": "single",
            "questions-0-option_0": "a",
            "questions-0-option_2": "b",
            "questions-0-correct_2": "on",
            "questions-1-prompt": "Capital of France?",
            "questions-1-kind": "fill_blank",
            "questions-1-accepted_answers": "Paris\nparis",
            "questions-2-kind": "single",  # a blank question: left out
        }
        data.update(extra)
        return data

    def test_add_a_quiz_with_questions(self, instructor, course):
        module = ModuleFactory(course=course)

        response = client_for(instructor).post(
            f"/studio/modules/{module.pk}/lessons/new/", self.quiz_data()
        )

        assert response.status_code == 302
        quiz = Lesson.objects.get()
        assert (quiz.type, quiz.pass_percent) == ("quiz", 60)
        questions = list(quiz.questions.values_list("prompt", "kind", "options", "correct"))
        assert questions == [
            ("Pick b", "single", ["a", "b"], [1]),
            ("Capital of France?", "fill_blank", [], []),
        ]
        assert quiz.questions.get(kind="fill_blank").accepted_answers == ["Paris", "paris"]

    def test_a_bad_question_is_shown_on_its_form_and_nothing_saved(self, instructor, course):
        module = ModuleFactory(course=course)

        response = client_for(instructor).post(
            f"/studio/modules/{module.pk}/lessons/new/",
            self.quiz_data(**{"questions-0-correct_2": ""}),
        )

        assert response.status_code == 200
        assert "Question 1: correct lists the indexes of the right options." in text_of(response)
        assert not Lesson.objects.exists()

    def test_a_quiz_needs_a_question(self, instructor, course):
        module = ModuleFactory(course=course)
        data = {
            key: value
            for key, value in self.quiz_data().items()
            if not key.startswith(("questions-0", "questions-1"))
        }

        response = client_for(instructor).post(f"/studio/modules/{module.pk}/lessons/new/", data)

        assert response.status_code == 200
        assert "A quiz needs at least one question." in text_of(response)
        assert not Lesson.objects.exists()

    def test_edit_a_quiz_keeps_its_questions_in_the_form(self, instructor, course):
        quiz = LessonFactory(module=ModuleFactory(course=course), type="quiz", pass_percent=70)
        QuizQuestionFactory(lesson=quiz, prompt="Which one?", options=["x", "y"], correct=[1])

        page = client_for(instructor).get(f"/studio/lessons/{quiz.pk}/")

        html = html_of(page)
        assert "Which one?</textarea>" in html
        assert 'name="questions-0-option_1" id="id_questions-0-option_1" value="y"' in html
        assert 'name="questions-0-correct_1" id="id_questions-0-correct_1" checked' in html

    def test_edit_a_lesson_and_move_it_to_another_module(self, instructor, course):
        first = ModuleFactory(course=course)
        second = ModuleFactory(course=course)
        lesson = LessonFactory(module=first, title="Old")
        LessonFactory(module=second)

        response = client_for(instructor).post(
            f"/studio/lessons/{lesson.pk}/",
            {"title": "New", "body": "b", "duration": "5", "module": str(second.pk)},
        )

        assert response.status_code == 302
        lesson.refresh_from_db()
        assert (lesson.title, lesson.duration_seconds, lesson.module, lesson.position) == (
            "New",
            300,
            second,
            2,
        )

    def test_reorder_modules_and_lessons(self, instructor, course):
        first, second, third = (ModuleFactory(course=course) for _ in range(3))
        lesson_a, lesson_b = (LessonFactory(module=first) for _ in range(2))
        client = client_for(instructor)

        response = client.post(
            f"/studio/courses/{course.pk}/modules/order/",
            {"ids": [str(third.pk), str(first.pk), str(second.pk)]},
        )
        assert response.status_code == 204
        assert list(course.modules.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]

        response = client.post(
            f"/studio/modules/{first.pk}/lessons/order/", {"ids": [lesson_b.pk, lesson_a.pk]}
        )
        assert response.status_code == 204
        assert list(first.lessons.values_list("pk", flat=True)) == [lesson_b.pk, lesson_a.pk]

    def test_a_wrong_order_is_refused_and_nothing_moves(self, instructor, course):
        first, second = ModuleFactory(course=course), ModuleFactory(course=course)
        before = curriculum_snapshot()

        response = client_for(instructor).post(
            f"/studio/courses/{course.pk}/modules/order/", {"ids": [str(first.pk), "x"]}
        )

        assert response.status_code == 422
        assert curriculum_snapshot() == before
        assert second

    def test_move_up_and_down_without_script(self, instructor, course):
        first, second = ModuleFactory(course=course), ModuleFactory(course=course)
        lesson_a, lesson_b = LessonFactory(module=first), LessonFactory(module=first)
        client = client_for(instructor)

        response = client.post(f"/studio/modules/{second.pk}/move/", {"direction": "up"})
        assert response["Location"].endswith(f"/curriculum/#module-{second.pk}")
        assert list(course.modules.values_list("pk", flat=True)) == [second.pk, first.pk]

        client.post(f"/studio/lessons/{lesson_a.pk}/move/", {"direction": "down"})
        assert list(first.lessons.values_list("pk", flat=True)) == [lesson_b.pk, lesson_a.pk]
        # At the end already: nothing changes.
        client.post(f"/studio/lessons/{lesson_a.pk}/move/", {"direction": "down"})
        assert list(first.lessons.values_list("pk", flat=True)) == [lesson_b.pk, lesson_a.pk]

    def test_outsiders_cannot_touch_the_curriculum(self, instructor, other_instructor, course):
        module = ModuleFactory(course=course, title="Keep")
        lesson = LessonFactory(module=module, title="Keep too")
        LessonFactory(module=module)
        before = curriculum_snapshot()

        for outsider in [other_instructor, UserFactory()]:
            client = client_for(outsider)
            attempts = [
                client.post(f"/studio/courses/{course.pk}/modules/", {"title": "X"}),
                client.post(f"/studio/modules/{module.pk}/rename/", {"title": "X"}),
                client.post(f"/studio/modules/{module.pk}/delete/"),
                client.post(f"/studio/modules/{module.pk}/lessons/order/", {"ids": []}),
                client.post(f"/studio/lessons/{lesson.pk}/", {"title": "X"}),
                client.post(f"/studio/lessons/{lesson.pk}/delete/"),
                client.post(f"/studio/lessons/{lesson.pk}/move/", {"direction": "down"}),
                client.get(f"/studio/modules/{module.pk}/lessons/new/?type=text"),
            ]
            assert [response.status_code for response in attempts] == [404] * len(attempts)
        assert curriculum_snapshot() == before

    def test_attach_and_remove_a_link_and_a_file(self, instructor, course):
        lesson = LessonFactory(module=ModuleFactory(course=course))
        client = client_for(instructor)

        client.post(
            f"/studio/lessons/{lesson.pk}/resources/",
            {"title": "Slides", "url": "https://example.com/slides"},
        )
        upload = SimpleUploadedFile("notes.pdf", b"%PDF-1.4 test", content_type="application/pdf")
        client.post(f"/studio/lessons/{lesson.pk}/resources/", {"title": "Notes", "file": upload})

        assert sorted(Resource.objects.values_list("title", "content_type")) == [
            ("Notes", "application/pdf"),
            ("Slides", ""),
        ]
        page = client.get(f"/studio/lessons/{lesson.pk}/")
        assert "Slides (link)" in text_of(page)
        slides = Resource.objects.get(title="Slides")
        client.post(f"/studio/resources/{slides.pk}/delete/")
        assert list(Resource.objects.values_list("title", flat=True)) == ["Notes"]

    def test_a_refused_file_is_reported(self, instructor, course):
        lesson = LessonFactory(module=ModuleFactory(course=course))

        response = client_for(instructor).post(
            f"/studio/lessons/{lesson.pk}/resources/",
            {"title": "Bad", "file": SimpleUploadedFile("x.exe", b"MZ\x90\x00binary")},
            follow=True,
        )

        assert any(m.startswith("The resource was not added: ") for m in messages_of(response))
        assert not Resource.objects.exists()


class TestSubmitAndCoInstructors:
    def test_incomplete_course_stays_a_draft_with_the_reasons(self, instructor, category):
        course = DraftCourseFactory(owner=instructor, category=category, description="")

        response = client_for(instructor).post(
            f"/studio/courses/{course.pk}/submit/",
            {"next": f"/studio/courses/{course.pk}/curriculum/"},
            follow=True,
        )

        assert response.redirect_chain[0] == (f"/studio/courses/{course.pk}/curriculum/", 302)
        assert messages_of(response) == [
            "The course is not ready for review. Describe the course before submitting it. "
            "Add at least one lesson before submitting."
        ]
        course.refresh_from_db()
        assert course.status == CourseStatus.DRAFT

    def test_submitting_from_the_new_lesson_page_comes_back_to_it(self, instructor, category):
        course = DraftCourseFactory(owner=instructor, category=category, description="")
        module = ModuleFactory(course=course)
        client = client_for(instructor)
        page = client.get(f"/studio/modules/{module.pk}/lessons/new/?type=text").content.decode()
        next_field = f'name="next" value="/studio/modules/{module.pk}/lessons/new/?type=text"'
        assert next_field in page

        response = client.post(
            f"/studio/courses/{course.pk}/submit/",
            {"next": f"/studio/modules/{module.pk}/lessons/new/?type=text"},
            follow=True,
        )

        assert response.status_code == 200  # the same form, not a 404
        assert "The course is not ready for review." in messages_of(response)[0]

    def test_submit_puts_it_in_review(self, instructor, category):
        course = DraftCourseFactory(owner=instructor, category=category)
        LessonFactory(module=ModuleFactory(course=course))

        response = client_for(instructor).post(f"/studio/courses/{course.pk}/submit/", follow=True)

        course.refresh_from_db()
        assert course.status == CourseStatus.IN_REVIEW
        assert "Status: In review" in text_of(response)
        assert "Submit for review" not in text_of(response)

    def test_rejected_course_shows_the_reason(self, instructor, category):
        course = DraftCourseFactory(
            owner=instructor,
            category=category,
            status=CourseStatus.REJECTED,
            rejection_reason="Add captions.",
        )

        response = client_for(instructor).get(f"/studio/courses/{course.pk}/")

        assert "Changes requested. The reviewer wrote: Add captions." in text_of(response)
        assert "Submit again" in text_of(response)

    def test_outsider_cannot_submit(self, instructor, other_instructor, category):
        course = DraftCourseFactory(owner=instructor, category=category)
        LessonFactory(module=ModuleFactory(course=course))

        assert (
            client_for(other_instructor).post(f"/studio/courses/{course.pk}/submit/").status_code
            == 404
        )
        course.refresh_from_db()
        assert course.status == CourseStatus.DRAFT

    def test_owner_adds_and_changes_co_instructors(self, instructor, category):
        course = DraftCourseFactory(owner=instructor, category=category)
        helper = InstructorFactory(email="helper@example.com", name="Hal Helper")
        client = client_for(instructor)

        client.post(
            f"/studio/courses/{course.pk}/instructors/",
            {"add_email": "HELPER@example.com", "add_share": "30"},
        )
        assert list(course.co_instructors.values_list("user", "revenue_share_percent")) == [
            (helper.pk, 30)
        ]

        page = client.get(f"/studio/courses/{course.pk}/instructors/")
        assert "Hal Helper Owner" not in text_of(page)
        assert f"{instructor.name} Owner 70%" in text_of(page)

        client.post(
            f"/studio/courses/{course.pk}/instructors/",
            {f"share_{helper.pk}": "40", f"remove_{helper.pk}": "on"},
        )
        assert not course.co_instructors.exists()

    def test_unknown_email_and_too_big_shares_are_refused(self, instructor, category):
        course = DraftCourseFactory(owner=instructor, category=category)
        helper = InstructorFactory(email="helper@example.com")
        client = client_for(instructor)

        unknown = client.post(
            f"/studio/courses/{course.pk}/instructors/",
            {"add_email": "nobody@example.com", "add_share": "10"},
        )
        greedy = client.post(
            f"/studio/courses/{course.pk}/instructors/",
            {"add_email": helper.email, "add_share": "100"},
        )
        greedy_ok = greedy.status_code

        assert "There is no Agora account with this email." in text_of(unknown)
        assert greedy_ok == 302  # 100% for the co-instructor is allowed; the owner keeps 0
        response = client.post(
            f"/studio/courses/{course.pk}/instructors/",
            {f"share_{helper.pk}": "101"},
        )
        assert response.status_code == 200
        assert list(course.co_instructors.values_list("revenue_share_percent", flat=True)) == [100]

    def test_a_co_instructor_cannot_change_co_instructors(self, instructor, category):
        course = DraftCourseFactory(owner=instructor, category=category)
        co = CoInstructorFactory(course=course, revenue_share_percent=20).user
        client = client_for(co)

        page = client.get(f"/studio/courses/{course.pk}/instructors/")
        response = client.post(
            f"/studio/courses/{course.pk}/instructors/", {f"share_{co.pk}": "90"}
        )

        assert "Only the owner" in text_of(page)
        assert response.status_code == 403
        assert CourseInstructor.objects.get().revenue_share_percent == 20


# --- review queue ----------------------------------------------------------------------------
class TestReviewQueue:
    @pytest.fixture
    def submitted(self, instructor, category):
        course = DraftCourseFactory(
            owner=instructor, category=category, status=CourseStatus.IN_REVIEW, title="Ropes"
        )
        LessonFactory(module=ModuleFactory(course=course))
        return course

    def test_only_admins_get_in(self, submitted, instructor, learner):
        anonymous = client_for().get("/review/")
        assert anonymous.status_code == 302
        assert anonymous["Location"] == "/accounts/login/?next=/review/"
        for person in [instructor, learner]:
            assert client_for(person).get("/review/").status_code == 403
        before = courses_snapshot()
        for person in [None, instructor, learner]:
            client = client_for(person)
            client.post(f"/review/courses/{submitted.pk}/approve/")
            client.post(f"/review/courses/{submitted.pk}/reject/", {"reason": "no"})
        assert courses_snapshot() == before

    def test_queue_lists_courses_in_review_with_a_preview_link(self, submitted, staff):
        DraftCourseFactory(title="Still a draft")

        response = client_for(staff).get("/review/")

        assert response.status_code == 200
        text = text_of(response)
        assert "Ropes In review" in text
        assert "Still a draft" not in text
        assert "1 course waiting" in text
        assert f'href="/courses/{submitted.slug}/">Preview “Ropes”</a>' in html_of(response)

    def test_approve_publishes(self, submitted, staff, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(staff).post(f"/review/courses/{submitted.pk}/approve/")

        assert response.status_code == 302
        submitted.refresh_from_db()
        assert submitted.status == CourseStatus.PUBLISHED
        assert len(mail.outbox) == 1
        assert card_titles(client_for().get("/courses/")) == ["Ropes"]

    def test_reject_needs_a_reason(self, submitted, staff):
        response = client_for(staff).post(
            f"/review/courses/{submitted.pk}/reject/", {"reason": " "}
        )

        assert response.status_code == 200
        assert "Reason for rejecting Error: This field is required." in text_of(response)
        submitted.refresh_from_db()
        assert (submitted.status, submitted.rejection_reason) == (CourseStatus.IN_REVIEW, "")

    def test_reject_with_a_reason(self, submitted, staff):
        response = client_for(staff).post(
            f"/review/courses/{submitted.pk}/reject/", {"reason": "Add captions."}
        )

        assert response.status_code == 302
        submitted.refresh_from_db()
        assert (submitted.status, submitted.rejection_reason) == (
            CourseStatus.REJECTED,
            "Add captions.",
        )

    def test_approving_a_draft_is_refused_with_a_message(self, staff, category):
        draft = DraftCourseFactory(category=category)

        response = client_for(staff).post(f"/review/courses/{draft.pk}/approve/", follow=True)

        assert messages_of(response) == ["Only a course in review can be approved; it is draft."]
        draft.refresh_from_db()
        assert draft.status == CourseStatus.DRAFT

    def test_unpublish(self, staff, category):
        course = CourseFactory(title="Live", category=category)

        page = client_for(staff).get("/review/", {"tab": "published"})
        response = client_for(staff).post(
            f"/review/courses/{course.pk}/unpublish/", {"reason": "Copyright", "tab": "published"}
        )

        assert "Live Published" in text_of(page)
        assert response["Location"] == "/review/?tab=published"
        course.refresh_from_db()
        assert (course.status, course.rejection_reason) == (CourseStatus.DRAFT, "Copyright")


# --- page hygiene ----------------------------------------------------------------------------
class TestNoInlineCode:
    def test_pages_carry_no_inline_script_or_style(self, instructor, category):
        course = course_with_curriculum(owner=instructor, category=category, slug="clean")
        module = course.modules.first()
        quiz = LessonFactory(module=module, type="quiz", pass_percent=50)
        QuizQuestionFactory(lesson=quiz)
        client = client_for(instructor)
        for url in [
            "/",
            "/courses/",
            "/courses/clean/",
            "/studio/",
            "/studio/courses/new/",
            f"/studio/courses/{course.pk}/",
            f"/studio/courses/{course.pk}/curriculum/",
            f"/studio/courses/{course.pk}/instructors/",
            f"/studio/lessons/{quiz.pk}/",
            f"/studio/modules/{module.pk}/lessons/new/?type=code",
        ]:
            html = html_of(client.get(url))
            assert " style=" not in html, url
            assert "<style" not in html, url
            assert " hx-on" not in html, url
            bodies = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
            assert all(body == "" for body in bodies), url
        assert QuizQuestion.objects.count() == 1
