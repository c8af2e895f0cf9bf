"""Moving lessons between modules: to a chosen place (API and the studio's drag and drop),
with both modules' positions kept 1, 2, 3, ... even when moves run at once."""

import threading

import pytest
from django.db import connections

from agora.catalog import services
from agora.catalog.models import Lesson, Module
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory
from tests.conftest import ApiClient, client_for


def order(module: Module) -> list[tuple[int, int]]:
    return list(
        Lesson.objects.filter(module=module)
        .order_by("position", "id")
        .values_list("id", "position")
    )


def contiguous(module: Module) -> bool:
    return [position for _, position in order(module)] == list(
        range(1, Lesson.objects.filter(module=module).count() + 1)
    )


@pytest.fixture
def two_modules(instructor):
    course = CourseFactory(owner=instructor)
    first, second = ModuleFactory(course=course), ModuleFactory(course=course)
    a, b, c = (LessonFactory(module=first) for _ in range(3))
    x, y = (LessonFactory(module=second) for _ in range(2))
    return first, second, (a, b, c), (x, y)


@pytest.mark.django_db
class TestMoveToAPlace:
    def test_into_the_middle_of_another_module(self, two_modules, instructor_api: ApiClient):
        first, second, (a, b, c), (x, y) = two_modules

        response = instructor_api.post(
            f"/lessons/{b.pk}/move", {"module_id": second.pk, "position": 2}
        )

        assert response.status_code == 200, response.content
        assert response.json()["module_id"] == second.pk
        assert response.json()["position"] == 2
        assert order(first) == [(a.pk, 1), (c.pk, 2)]
        assert order(second) == [(x.pk, 1), (b.pk, 2), (y.pk, 3)]

    @pytest.mark.parametrize(("position", "expected"), [(1, 0), (3, 2), (99, 2), (None, 2)])
    def test_first_last_and_past_the_end(
        self, two_modules, instructor_api: ApiClient, position, expected
    ):
        first, second, (a, _, _), _ = two_modules
        payload = {"module_id": second.pk}
        if position is not None:
            payload["position"] = position

        assert instructor_api.post(f"/lessons/{a.pk}/move", payload).status_code == 200

        ids = [lesson_id for lesson_id, _ in order(second)]
        assert ids.index(a.pk) == expected
        assert contiguous(first)
        assert contiguous(second)

    def test_within_its_own_module(self, two_modules, instructor_api: ApiClient):
        first, _, (a, b, c), _ = two_modules

        response = instructor_api.post(
            f"/lessons/{c.pk}/move", {"module_id": first.pk, "position": 1}
        )

        assert response.status_code == 200
        assert order(first) == [(c.pk, 1), (a.pk, 2), (b.pk, 3)]

    def test_into_an_empty_module(self, two_modules, instructor, instructor_api: ApiClient):
        first, _, (a, b, c), _ = two_modules
        empty = ModuleFactory(course=first.course)

        instructor_api.post(f"/lessons/{a.pk}/move", {"module_id": empty.pk, "position": 5})

        assert order(empty) == [(a.pk, 1)]
        assert order(first) == [(b.pk, 1), (c.pk, 2)]

    @pytest.mark.parametrize("position", [0, -1, "two"])
    def test_a_bad_position_is_422_and_nothing_moves(
        self, two_modules, instructor_api: ApiClient, position
    ):
        first, second, (a, b, c), _ = two_modules

        response = instructor_api.post(
            f"/lessons/{a.pk}/move", {"module_id": second.pk, "position": position}
        )

        assert response.status_code == 422
        assert order(first) == [(a.pk, 1), (b.pk, 2), (c.pk, 3)]


# Real threads need committed rows: a real transaction, on whichever database the suite runs.
@pytest.mark.django_db(transaction=True)
def test_moves_at_once_keep_every_module_numbered(two_modules, instructor):
    first, second, (a, b, c), (x, y) = two_modules
    moves = [(a, second, 1), (x, first, 1), (b, second, 2), (y, first, 3)]
    barrier = threading.Barrier(len(moves))
    errors: list[Exception] = []

    def move(lesson, module, position):
        barrier.wait()
        try:
            services.move_lesson(
                user=instructor,
                lesson=Lesson.objects.select_related("module__course").get(pk=lesson.pk),
                module=Module.objects.select_related("course").get(pk=module.pk),
                position=position,
            )
        except Exception as exc:  # collected for the assertions
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=move, args=m) for m in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert contiguous(first)
    assert contiguous(second)
    assert {i for i, _ in order(first)} == {c.pk, x.pk, y.pk}
    assert {i for i, _ in order(second)} == {a.pk, b.pk}


@pytest.mark.django_db
class TestDragAcrossModules:
    def test_the_builder_lets_lessons_travel_between_modules(self, two_modules, instructor):
        first, second, (a, _, _), _ = two_modules

        html = client_for(instructor).get(f"/studio/courses/{first.course_id}/curriculum/")

        page = html.content.decode()
        assert f'data-group="lessons" data-module-id="{second.pk}"' in page
        assert f'data-move-to-url="/studio/lessons/{a.pk}/move-to/"' in page

    def test_a_drop_moves_the_lesson_there(self, two_modules, instructor):
        first, second, (a, b, c), (x, y) = two_modules

        response = client_for(instructor).post(
            f"/studio/lessons/{c.pk}/move-to/", {"module": second.pk, "position": "1"}
        )

        assert response.status_code == 204
        assert order(first) == [(a.pk, 1), (b.pk, 2)]
        assert order(second) == [(c.pk, 1), (x.pk, 2), (y.pk, 3)]

    @pytest.mark.parametrize(
        "data", [{}, {"module": "x", "position": "1"}, {"module": "1", "position": "0"}]
    )
    def test_a_bad_drop_is_422(self, two_modules, instructor, data):
        first, _, (a, b, c), _ = two_modules

        response = client_for(instructor).post(f"/studio/lessons/{a.pk}/move-to/", data)

        assert response.status_code == 422
        assert order(first) == [(a.pk, 1), (b.pk, 2), (c.pk, 3)]

    def test_only_the_course_instructors_move_lessons(self, two_modules, other_instructor):
        first, second, (a, _, _), _ = two_modules
        data = {"module": second.pk, "position": "1"}

        assert (
            client_for(other_instructor).post(f"/studio/lessons/{a.pk}/move-to/", data).status_code
            == 404
        )
        assert client_for().post(f"/studio/lessons/{a.pk}/move-to/", data).status_code == 302
        a.refresh_from_db()
        assert a.module_id == first.pk

    def test_not_into_another_course(self, two_modules, instructor):
        _, _, (a, _, _), _ = two_modules
        elsewhere = ModuleFactory(course=CourseFactory(owner=instructor))

        response = client_for(instructor).post(
            f"/studio/lessons/{a.pk}/move-to/", {"module": elsewhere.pk, "position": "1"}
        )

        assert response.status_code == 422
