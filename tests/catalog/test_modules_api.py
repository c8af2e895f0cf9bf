"""Modules: add, rename, delete (positions close up) and reorder."""

import pytest

from agora.catalog.models import Lesson, Module
from tests.catalog.factories import (
    CoInstructorFactory,
    DraftCourseFactory,
    LessonFactory,
    ModuleFactory,
    api_for,
)
from tests.conftest import ApiClient


def error(response) -> dict:
    return response.json()["error"]


def positions(course) -> list[tuple[int, int]]:
    return list(Module.objects.filter(course=course).values_list("id", "position"))


@pytest.mark.django_db
class TestCreateModule:
    def test_appends_at_the_end(self, instructor, instructor_api: ApiClient):
        course = DraftCourseFactory(owner=instructor)

        first = instructor_api.post(f"/courses/{course.pk}/modules", {"title": "Intro"})
        second = instructor_api.post(f"/courses/{course.pk}/modules", {"title": "  Next  "})

        assert first.status_code == 201
        assert first.json() == {"id": first.json()["id"], "title": "Intro", "position": 1}
        assert second.json()["position"] == 2
        assert second.json()["title"] == "Next"

    def test_co_instructor_may_add(self, instructor):
        course = DraftCourseFactory(owner=instructor)
        co = CoInstructorFactory(course=course)

        assert api_for(co.user).post(
            f"/courses/{course.pk}/modules", {"title": "x"}
        ).status_code == (201)

    @pytest.mark.parametrize("title", ["", "   ", "x" * 201])
    def test_bad_title_is_422(self, instructor, instructor_api: ApiClient, title):
        course = DraftCourseFactory(owner=instructor)

        response = instructor_api.post(f"/courses/{course.pk}/modules", {"title": title})

        assert response.status_code == 422
        assert "title" in error(response)["fields"]
        assert Module.objects.count() == 0

    def test_others_get_404_and_nothing_is_added(self, instructor, other_api, learner_api, api):
        course = DraftCourseFactory(owner=instructor)

        assert other_api.post(f"/courses/{course.pk}/modules", {"title": "x"}).status_code == 404
        assert learner_api.post(f"/courses/{course.pk}/modules", {"title": "x"}).status_code == 404
        assert api.post(f"/courses/{course.pk}/modules", {"title": "x"}).status_code == 401
        assert Module.objects.count() == 0


@pytest.mark.django_db
class TestUpdateModule:
    def test_renames(self, instructor, instructor_api: ApiClient):
        module = ModuleFactory(course=DraftCourseFactory(owner=instructor), title="Old")

        response = instructor_api.patch(f"/modules/{module.pk}", {"title": "New"})

        assert response.status_code == 200
        assert response.json() == {"id": module.pk, "title": "New", "position": 1}

    def test_empty_title_is_422(self, instructor, instructor_api: ApiClient):
        module = ModuleFactory(course=DraftCourseFactory(owner=instructor), title="Old")

        assert instructor_api.patch(f"/modules/{module.pk}", {"title": " "}).status_code == 422
        module.refresh_from_db()
        assert module.title == "Old"

    def test_others_get_404(self, instructor, other_api, learner_api):
        module = ModuleFactory(course=DraftCourseFactory(owner=instructor), title="Old")

        assert other_api.patch(f"/modules/{module.pk}", {"title": "New"}).status_code == 404
        assert learner_api.patch(f"/modules/{module.pk}", {"title": "New"}).status_code == 404
        module.refresh_from_db()
        assert module.title == "Old"


@pytest.mark.django_db
class TestDeleteModule:
    def test_deletes_with_its_lessons_and_renumbers(self, instructor, instructor_api):
        course = DraftCourseFactory(owner=instructor)
        first, second, third = (ModuleFactory(course=course) for _ in range(3))
        LessonFactory(module=second)

        response = instructor_api.delete(f"/modules/{second.pk}")

        assert response.status_code == 204
        assert positions(course) == [(first.pk, 1), (third.pk, 2)]
        assert Lesson.objects.count() == 0

    def test_others_get_404(self, instructor, other_api, learner_api, api):
        module = ModuleFactory(course=DraftCourseFactory(owner=instructor))

        assert other_api.delete(f"/modules/{module.pk}").status_code == 404
        assert learner_api.delete(f"/modules/{module.pk}").status_code == 404
        assert api.delete(f"/modules/{module.pk}").status_code == 401
        assert Module.objects.filter(pk=module.pk).exists()

    def test_unknown_module_is_404(self, instructor_api: ApiClient):
        assert instructor_api.delete("/modules/999999").status_code == 404


@pytest.mark.django_db
class TestReorderModules:
    def test_takes_the_new_order(self, instructor, instructor_api: ApiClient):
        course = DraftCourseFactory(owner=instructor)
        a, b, c = (ModuleFactory(course=course) for _ in range(3))

        response = instructor_api.put(
            f"/courses/{course.pk}/modules/order", {"module_ids": [c.pk, a.pk, b.pk]}
        )

        assert response.status_code == 200
        assert [(m["id"], m["position"]) for m in response.json()] == [
            (c.pk, 1),
            (a.pk, 2),
            (b.pk, 3),
        ]
        assert positions(course) == [(c.pk, 1), (a.pk, 2), (b.pk, 3)]
        detail = instructor_api.get(f"/courses/{course.pk}").json()
        assert [m["id"] for m in detail["modules"]] == [c.pk, a.pk, b.pk]

    @pytest.mark.parametrize("case", ["missing", "duplicate", "foreign", "unknown", "empty"])
    def test_anything_but_the_exact_set_is_422(self, instructor, instructor_api, case):
        course = DraftCourseFactory(owner=instructor)
        a, b = ModuleFactory(course=course), ModuleFactory(course=course)
        foreign = ModuleFactory()
        module_ids = {
            "missing": [b.pk],
            "duplicate": [b.pk, a.pk, a.pk],
            "foreign": [b.pk, a.pk, foreign.pk],
            "unknown": [b.pk, a.pk, 999999],
            "empty": [],
        }[case]

        response = instructor_api.put(
            f"/courses/{course.pk}/modules/order", {"module_ids": module_ids}
        )

        assert response.status_code == 422
        assert "module_ids" in error(response)["fields"]
        assert positions(course) == [(a.pk, 1), (b.pk, 2)]
        assert Module.objects.get(pk=foreign.pk).position == 1

    def test_others_get_404(self, instructor, other_api, learner_api):
        course = DraftCourseFactory(owner=instructor)
        a, b = ModuleFactory(course=course), ModuleFactory(course=course)

        for client in (other_api, learner_api):
            response = client.put(
                f"/courses/{course.pk}/modules/order", {"module_ids": [b.pk, a.pk]}
            )
            assert response.status_code == 404
        assert positions(course) == [(a.pk, 1), (b.pk, 2)]
