"""Ids, positions, quiz option indexes and filters the catalog API takes are bounded: out of
range is a 422 naming the field, never an overflow in the database."""

import pytest

from agora.catalog.models import Lesson
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory

BEYOND_BIGINT = 2**63


@pytest.fixture
def course(instructor):
    return CourseFactory(owner=instructor)


def fields(response) -> set[str]:
    assert response.status_code == 422, response.content
    return set(response.json()["error"]["fields"])


@pytest.mark.django_db
class TestAuthoringBounds:
    def test_reordering_modules_with_an_id_beyond_the_database(self, instructor_api, course):
        module = ModuleFactory(course=course)

        response = instructor_api.put(
            f"/courses/{course.pk}/modules/order", {"module_ids": [module.pk, BEYOND_BIGINT]}
        )

        assert fields(response) == {"module_ids.1"}

    def test_reordering_lessons_with_an_id_beyond_the_database(self, instructor_api, course):
        module = ModuleFactory(course=course)

        response = instructor_api.put(
            f"/modules/{module.pk}/lessons/order", {"lesson_ids": [BEYOND_BIGINT]}
        )

        assert fields(response) == {"lesson_ids.0"}

    @pytest.mark.parametrize(
        ("payload", "field"),
        [({"position": 10**12}, "position"), ({"module_id": BEYOND_BIGINT}, "module_id")],
    )
    def test_moving_a_lesson_out_of_range(self, instructor_api, course, payload, field):
        module = ModuleFactory(course=course)
        lesson = LessonFactory(module=module)

        response = instructor_api.post(
            f"/lessons/{lesson.pk}/move", {"module_id": module.pk, **payload}
        )

        assert fields(response) == {field}
        lesson.refresh_from_db()
        assert (lesson.module_id, lesson.position) == (module.pk, 1)

    @pytest.mark.parametrize("correct", [[20], [-1], [10**20]])
    def test_a_quiz_answer_index_out_of_range(self, instructor_api, course, correct):
        module = ModuleFactory(course=course)

        response = instructor_api.post(
            f"/modules/{module.pk}/lessons",
            {
                "title": "Check",
                "type": "quiz",
                "questions": [
                    {"prompt": "Which?", "kind": "single", "options": ["a"], "correct": correct}
                ],
            },
        )

        assert fields(response) == {"questions.0.correct.0"}
        assert not Lesson.objects.filter(module=module).exists()

    def test_a_co_instructor_id_beyond_the_database(self, instructor_api, course):
        response = instructor_api.put(
            f"/courses/{course.pk}/instructors",
            {"co_instructors": [{"user_id": BEYOND_BIGINT, "revenue_share_percent": 10}]},
        )

        assert fields(response) == {"co_instructors.0.user_id"}
        assert not course.co_instructors.exists()


@pytest.mark.django_db
class TestListBounds:
    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("min_rating=6", "min_rating"),
            (f"instructor={BEYOND_BIGINT}", "instructor"),
            ("page=1000001", "page"),
            ("page_size=1001", "page_size"),
        ],
    )
    def test_out_of_range_filters_are_422(self, api, query, field):
        assert fields(api.get(f"/courses?{query}")) == {field}

    def test_a_large_page_size_is_still_capped_at_100(self, api):
        assert api.get("/courses?page_size=1000").json()["page_size"] == 100

    def test_the_schema_documents_the_bounds(self, api):
        spec = api.get("/api/v1/openapi.json").json()
        params = {
            p["name"]: p["schema"] for p in spec["paths"]["/api/v1/courses"]["get"]["parameters"]
        }

        assert (params["page"]["maximum"], params["page_size"]["maximum"]) == (1_000_000, 1000)
        assert params["min_rating"]["anyOf"][0]["maximum"] == 5
