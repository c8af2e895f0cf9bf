"""GET /courses and GET /courses/{id}: what the public catalog shows, to whom, in what order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agora.catalog.models import CourseStatus, LessonType
from agora.catalog.search import FUZZY_BELOW
from tests.catalog.factories import (
    CategoryFactory,
    CoInstructorFactory,
    CourseFactory,
    DraftCourseFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
    api_for,
    course_with_curriculum,
    enroll,
)
from tests.conftest import ApiClient

LIST_FIELDS = {
    "id",
    "slug",
    "title",
    "subtitle",
    "price",
    "currency",
    "average_rating",
    "ratings_count",
    "enrollments_count",
    "instructor",
    "category",
    "level",
    "language",
    "thumbnail_url",
}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def error(response) -> dict:
    return response.json()["error"]


@pytest.mark.django_db
class TestListCourses:
    def test_lists_only_published_courses(self, api: ApiClient):
        published = CourseFactory()
        for status in (
            CourseStatus.DRAFT,
            CourseStatus.IN_REVIEW,
            CourseStatus.REJECTED,
            CourseStatus.ARCHIVED,
        ):
            CourseFactory(status=status)

        assert ids(api.get("/courses")) == [published.pk]

    def test_item_has_the_fields_api_md_names(self, api: ApiClient):
        category = CategoryFactory(name="Cooking", slug="cooking")
        owner = InstructorFactory(name="Julia Chef")
        course = CourseFactory(
            owner=owner,
            category=category,
            title="Knife skills",
            slug="knife-skills",
            subtitle="Chop like a pro",
            price=2500,
            currency="EUR",
            average_rating=Decimal("4.25"),
            ratings_count=8,
            enrollments_count=40,
            level="beginner",
            language="fr",
        )

        item = api.get("/courses").json()["items"][0]

        assert LIST_FIELDS <= set(item)
        assert item["id"] == course.pk
        assert item["slug"] == "knife-skills"
        assert item["title"] == "Knife skills"
        assert item["subtitle"] == "Chop like a pro"
        assert item["price"] == 2500
        assert item["currency"] == "EUR"
        assert item["average_rating"] == 4.25
        assert item["ratings_count"] == 8
        assert item["enrollments_count"] == 40
        assert item["instructor"] == {"id": owner.pk, "name": "Julia Chef"}
        assert item["category"] == {"slug": "cooking", "name": "Cooking"}
        assert item["level"] == "beginner"
        assert item["language"] == "fr"
        assert item["thumbnail_url"] is None

    def test_pagination_envelope(self, api: ApiClient):
        courses = [CourseFactory(enrollments_count=n) for n in range(5)]

        response = api.get("/courses?page=2&page_size=2")

        body = response.json()
        assert body["count"] == 5
        assert body["page"] == 2
        assert body["page_size"] == 2
        assert [item["id"] for item in body["items"]] == [courses[2].pk, courses[1].pk]

    def test_page_past_the_end_is_empty(self, api: ApiClient):
        CourseFactory()

        body = api.get("/courses?page=3&page_size=5").json()

        assert body["items"] == []
        assert body["count"] == 1

    def test_page_size_is_capped_at_100(self, api: ApiClient):
        CourseFactory()

        assert api.get("/courses?page_size=500").json()["page_size"] == 100

    @pytest.mark.parametrize(
        "query",
        [
            "sort=cheapest",
            "price=cheap",
            "level=expert",
            "min_rating=6",
            "min_rating=-1",
            "min_rating=abc",
            "min_rating=NaN",
            "page=0",
            "page=-1",
            "page=abc",
            "page_size=0",
            "instructor=abc",
            "page=99999999999999999999999",
        ],
    )
    def test_bad_parameters_are_422(self, api: ApiClient, query):
        CourseFactory()

        response = api.get(f"/courses?{query}")

        assert response.status_code == 422
        assert error(response)["code"] == "validation_error"
        name = query.split("=")[0]
        assert name in error(response)["fields"]

    def test_huge_instructor_id_matches_nothing(self, api: ApiClient):
        CourseFactory()

        response = api.get("/courses?instructor=99999999999999999999")

        assert response.status_code in {200, 422}
        if response.status_code == 200:
            assert response.json()["items"] == []


@pytest.mark.django_db
class TestListFilters:
    def test_category_includes_subcategories(self, api: ApiClient):
        parent = CategoryFactory(slug="parent")
        child = CategoryFactory(slug="child", parent=parent)
        other = CategoryFactory(slug="other")
        in_parent = CourseFactory(category=parent, enrollments_count=2)
        in_child = CourseFactory(category=child, enrollments_count=1)
        CourseFactory(category=other)

        assert ids(api.get("/courses?category=parent")) == [in_parent.pk, in_child.pk]
        assert ids(api.get("/courses?category=child")) == [in_child.pk]

    def test_unknown_category_matches_nothing(self, api: ApiClient):
        CourseFactory()

        assert ids(api.get("/courses?category=no-such-thing")) == []

    def test_price_free_and_paid(self, api: ApiClient):
        free = CourseFactory(price=0)
        paid = CourseFactory(price=1)

        assert ids(api.get("/courses?price=free")) == [free.pk]
        assert ids(api.get("/courses?price=paid")) == [paid.pk]

    def test_min_rating(self, api: ApiClient):
        CourseFactory(average_rating=Decimal("3.99"))
        four = CourseFactory(average_rating=Decimal("4.00"), enrollments_count=1)
        five = CourseFactory(average_rating=Decimal("5.00"), enrollments_count=2)

        assert ids(api.get("/courses?min_rating=4")) == [five.pk, four.pk]
        assert ids(api.get("/courses?min_rating=4.5")) == [five.pk]

    def test_instructor_includes_co_instructors(self, api: ApiClient):
        teacher = InstructorFactory()
        owned = CourseFactory(owner=teacher, enrollments_count=3)
        co_taught = CourseFactory(enrollments_count=2)
        CoInstructorFactory(course=co_taught, user=teacher)
        CoInstructorFactory(course=co_taught)  # a second co-instructor: no duplicate rows
        CourseFactory()
        CoInstructorFactory(course=owned)
        CoInstructorFactory(course=owned)

        response = api.get(f"/courses?instructor={teacher.pk}")

        assert ids(response) == [owned.pk, co_taught.pk]
        assert response.json()["count"] == 2

    def test_level_and_language(self, api: ApiClient):
        beginner_en = CourseFactory(level="beginner", language="en")
        CourseFactory(level="advanced", language="en")
        beginner_de = CourseFactory(level="beginner", language="de")

        assert set(ids(api.get("/courses?level=beginner"))) == {beginner_en.pk, beginner_de.pk}
        assert ids(api.get("/courses?language=de")) == [beginner_de.pk]
        assert ids(api.get("/courses?level=beginner&language=en")) == [beginner_en.pk]

    def test_filters_combine(self, api: ApiClient):
        category = CategoryFactory(slug="combo")
        match = CourseFactory(category=category, price=0, average_rating=Decimal("4.6"))
        CourseFactory(category=category, price=500, average_rating=Decimal("4.6"))
        CourseFactory(category=category, price=0, average_rating=Decimal("3.0"))

        assert ids(api.get("/courses?category=combo&price=free&min_rating=4.5")) == [match.pk]


@pytest.mark.django_db
class TestListSorts:
    def test_newest(self, api: ApiClient):
        now = timezone.now()
        old = CourseFactory(published_at=now - timedelta(days=3))
        new = CourseFactory(published_at=now - timedelta(days=1))
        middle = CourseFactory(published_at=now - timedelta(days=2))

        assert ids(api.get("/courses?sort=newest")) == [new.pk, middle.pk, old.pk]

    def test_rating_then_number_of_ratings(self, api: ApiClient):
        low = CourseFactory(average_rating=Decimal("3.5"), ratings_count=100)
        high_few = CourseFactory(average_rating=Decimal("4.8"), ratings_count=3)
        high_many = CourseFactory(average_rating=Decimal("4.8"), ratings_count=30)

        assert ids(api.get("/courses?sort=rating")) == [high_many.pk, high_few.pk, low.pk]

    def test_popular(self, api: ApiClient):
        a = CourseFactory(enrollments_count=5)
        b = CourseFactory(enrollments_count=50)
        c = CourseFactory(enrollments_count=0)

        assert ids(api.get("/courses?sort=popular")) == [b.pk, a.pk, c.pk]

    def test_trending(self, api: ApiClient):
        a = CourseFactory(trending_score=1.5)
        b = CourseFactory(trending_score=0)
        c = CourseFactory(trending_score=12)

        assert ids(api.get("/courses?sort=trending")) == [c.pk, a.pk, b.pk]

    def test_price_ascending_and_descending(self, api: ApiClient):
        mid = CourseFactory(price=1000)
        free = CourseFactory(price=0)
        dear = CourseFactory(price=9900)

        assert ids(api.get("/courses?sort=price_asc")) == [free.pk, mid.pk, dear.pk]
        assert ids(api.get("/courses?sort=price_desc")) == [dear.pk, mid.pk, free.pk]

    def test_ties_break_newest_id_first(self, api: ApiClient):
        first = CourseFactory(price=100)
        second = CourseFactory(price=100)

        assert ids(api.get("/courses?sort=price_asc")) == [second.pk, first.pk]

    def test_default_and_relevance_without_query_are_popular(self, api: ApiClient):
        a = CourseFactory(enrollments_count=1)
        b = CourseFactory(enrollments_count=9)

        assert ids(api.get("/courses")) == [b.pk, a.pk]
        assert ids(api.get("/courses?sort=relevance")) == [b.pk, a.pk]


@pytest.mark.django_db
class TestCategories:
    def test_lists_slug_and_name(self, api: ApiClient):
        response = api.get("/categories")

        assert response.status_code == 200
        body = response.json()
        assert isinstance(body, list)
        development = next(c for c in body if c["slug"] == "development")
        assert development["name"] == "Development"
        web = next(c for c in body if c["slug"] == "web-development")
        assert web == {
            "slug": "web-development",
            "name": "Web Development",
            "parent": "development",
        }


@pytest.mark.django_db
class TestCourseDetail:
    def test_by_id_and_by_slug(self, api: ApiClient):
        course = CourseFactory(slug="the-course")

        by_id = api.get(f"/courses/{course.pk}")
        by_slug = api.get("/courses/the-course")

        assert by_id.status_code == 200
        assert by_slug.status_code == 200
        assert by_id.json()["id"] == by_slug.json()["id"] == course.pk
        assert LIST_FIELDS <= set(by_id.json())

    def test_unknown_id_and_slug_are_404(self, api: ApiClient):
        assert api.get("/courses/999999").status_code == 404
        assert api.get("/courses/no-such-course").status_code == 404
        assert error(api.get("/courses/no-such-course"))["code"] == "course_not_found"
        assert api.get("/courses/99999999999999999999999").status_code == 404

    def test_curriculum_in_order_without_lesson_content(self, api: ApiClient):
        course = CourseFactory()
        second = ModuleFactory(course=course, title="Second", position=2)
        first = ModuleFactory(course=course, title="First", position=1)
        b = LessonFactory(module=first, title="B", position=2, type=LessonType.VIDEO)
        a = LessonFactory(module=first, title="A", position=1, is_preview=True, duration_seconds=90)
        c = LessonFactory(module=second, title="C", position=1, body="secret words")

        body = api.get(f"/courses/{course.pk}").json()

        assert body["modules"] == [
            {
                "id": first.pk,
                "title": "First",
                "position": 1,
                "lessons": [
                    {
                        "id": a.pk,
                        "title": "A",
                        "type": "text",
                        "position": 1,
                        "duration_seconds": 90,
                        "is_preview": True,
                    },
                    {
                        "id": b.pk,
                        "title": "B",
                        "type": "video",
                        "position": 2,
                        "duration_seconds": 300,
                        "is_preview": False,
                    },
                ],
            },
            {
                "id": second.pk,
                "title": "Second",
                "position": 1 + 1,
                "lessons": [
                    {
                        "id": c.pk,
                        "title": "C",
                        "type": "text",
                        "position": 1,
                        "duration_seconds": 300,
                        "is_preview": False,
                    }
                ],
            },
        ]
        assert "secret words" not in str(body)
        assert body["lessons_count"] == 3
        assert body["total_duration_seconds"] == 690

    def test_lists_owner_then_co_instructors(self, api: ApiClient):
        owner = InstructorFactory(name="Owner One")
        course = CourseFactory(owner=owner)
        co = CoInstructorFactory(course=course, user=InstructorFactory(name="Co Two"))

        body = api.get(f"/courses/{course.pk}").json()

        assert body["instructors"] == [
            {"id": owner.pk, "name": "Owner One"},
            {"id": co.user.pk, "name": "Co Two"},
        ]
        assert body["instructor"] == {"id": owner.pk, "name": "Owner One"}

    def test_description_html_is_sanitised(self, api: ApiClient):
        course = CourseFactory(description="**bold** <script>alert(1)</script>")

        html = api.get(f"/courses/{course.pk}").json()["description_html"]

        assert "<strong>bold</strong>" in html
        assert "<script" not in html

    def test_all_digit_title_slug_still_finds_the_course(self, instructor_api: ApiClient):
        created = instructor_api.post(
            "/courses",
            {"title": "2048", "description": "d", "price": 0, "category": "development"},
        ).json()

        response = instructor_api.get(f"/courses/{created['slug']}")

        assert response.status_code == 200
        assert response.json()["id"] == created["id"]


HIDDEN = [CourseStatus.DRAFT, CourseStatus.IN_REVIEW, CourseStatus.REJECTED]


@pytest.mark.django_db
class TestUnpublishedVisibility:
    @pytest.mark.parametrize("status", [*HIDDEN, CourseStatus.ARCHIVED])
    def test_hidden_from_anonymous_and_other_users(
        self, api: ApiClient, learner_api: ApiClient, other_api: ApiClient, status
    ):
        course = CourseFactory(status=status, slug="hidden")

        for client in (api, learner_api, other_api):
            for key in (course.pk, "hidden"):
                response = client.get(f"/courses/{key}")
                assert response.status_code == 404
                assert error(response)["code"] == "course_not_found"

    @pytest.mark.parametrize("status", HIDDEN)
    def test_visible_to_owner_co_instructor_and_admin(
        self, instructor, instructor_api: ApiClient, staff_api: ApiClient, status
    ):
        course = CourseFactory(status=status, owner=instructor)
        co = CoInstructorFactory(course=course)

        for client in (instructor_api, api_for(co.user), staff_api):
            response = client.get(f"/courses/{course.pk}")
            assert response.status_code == 200
            assert response.json()["status"] == status

    def test_archived_course_visible_to_its_enrolled_learners(
        self, learner, learner_api: ApiClient
    ):
        course = CourseFactory()
        enroll(learner, course)
        course.status = CourseStatus.ARCHIVED
        course.save()

        response = learner_api.get(f"/courses/{course.pk}")

        assert response.status_code == 200
        assert response.json()["status"] == "archived"

    def test_draft_detail_is_not_cached_publicly(self, instructor, instructor_api: ApiClient):
        course = DraftCourseFactory(owner=instructor)

        response = instructor_api.get(f"/courses/{course.pk}")

        assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
class TestQueryCounts:
    def _list_queries(self, client: ApiClient, query: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/courses?{query}").status_code == 200
        return len(captured)

    def test_list_query_count_does_not_grow_with_courses(self, api: ApiClient):
        CourseFactory()
        few = self._list_queries(api, "page_size=50")
        for _ in range(10):
            course = CourseFactory()
            CoInstructorFactory(course=course)
        many = self._list_queries(api, "page_size=50&x=1")

        assert many == few

    def test_search_query_count_does_not_grow_with_courses(self, api: ApiClient):
        # Enough matches that typo tolerance stays out (it joins in below FUZZY_BELOW).
        for _ in range(FUZZY_BELOW):
            CourseFactory(title="Python one")
        few = self._list_queries(api, "q=python&page_size=5")
        for _ in range(30):
            CourseFactory(title="Python many")
        many = self._list_queries(api, "q=python&page_size=5&x=1")

        assert many == few

    def test_detail_query_count_does_not_grow_with_curriculum(
        self, api: ApiClient, django_assert_max_num_queries
    ):
        small = course_with_curriculum(modules=1, lessons=1)
        big = course_with_curriculum(modules=6, lessons=8)
        CoInstructorFactory(course=big)
        CoInstructorFactory(course=big)

        with CaptureQueriesContext(connection) as small_queries:
            assert api.get(f"/courses/{small.pk}").status_code == 200
        with CaptureQueriesContext(connection) as big_queries:
            assert api.get(f"/courses/{big.pk}").status_code == 200

        assert len(big_queries) == len(small_queries)
        # (PostgreSQL puts each half of a UNION in brackets.)
        reads = [q["sql"] for q in small_queries if q["sql"].lstrip("(").startswith("SELECT")]
        # The course, then its curriculum (modules joined to lessons) and its co-instructors
        # in one statement; the rest writes the view at once (no Redis buffer in this test).
        assert len(reads) == 2, reads
        huge = course_with_curriculum(modules=9, lessons=9)
        with django_assert_max_num_queries(len(small_queries)):
            assert api.get(f"/courses/{huge.pk}").status_code == 200
