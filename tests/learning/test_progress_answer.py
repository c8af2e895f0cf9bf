"""GET /courses/{id}/progress is built from rows (the course detail's prepared curriculum,
one prepared read of the progress rows): the same answer the pages' whole lessons give, in
the bytes CourseProgressOut writes."""

import pytest
from pydantic import TypeAdapter

from agora.catalog.models import Lesson, Module
from agora.core.renderer import dumps
from agora.learning import progress
from agora.learning.schemas import CourseProgressOut
from agora.learning.services import complete_lesson, save_position
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    LessonFactory,
    ModuleFactory,
    api_for,
    course_with_curriculum,
    enroll,
)
from tests.learning.factories import lessons_of

pytestmark = pytest.mark.django_db

UNICODE = 'Ünïcødé — 日本語 😀 "q" \\ \n\t'


def answer_from_whole_lessons(client, course, monkeypatch) -> bytes:
    """The same request, with the curriculum read as the pages read it."""
    whole = progress.course_progress

    def not_outlined(**kwargs):
        kwargs.pop("outline", None)
        return whole(**kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(progress, "course_progress", not_outlined)
        return client.get(f"/courses/{course.pk}/progress").content


@pytest.fixture
def course(instructor):
    course = course_with_curriculum(owner=instructor, price=0, modules=3, lessons=3)
    first, second, _ = Module.objects.filter(course=course).order_by("position")
    # Positions out of the order of creation, a module with no lessons, odd titles.
    Module.objects.filter(pk=first.pk).update(position=5, title=UNICODE)
    Lesson.objects.filter(module=second).order_by("pk").filter(
        pk__in=Lesson.objects.filter(module=second).order_by("pk").values("pk")[:1]
    ).update(position=9, title="")
    ModuleFactory(course=course, position=2)
    LessonFactory(module=first, type="quiz")
    return course


@pytest.mark.parametrize("done", [0, 1, 4, "all"])
def test_the_answer_is_the_schemas_and_the_pages(course, done, monkeypatch):
    learner = UserFactory()
    enroll(learner, course)
    lessons = lessons_of(course)
    for lesson in lessons[: len(lessons) if done == "all" else done]:
        if lesson.type != "quiz":
            complete_lesson(user=learner, lesson=lesson)
    save_position(user=learner, lesson=lessons[-1], seconds=37, spent_seconds=5)
    client = api_for(learner)

    response = client.get(f"/courses/{course.pk}/progress")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    validated = TypeAdapter(CourseProgressOut).validate_json(response.content)
    assert response.content == dumps(validated.model_dump())
    assert response.content == answer_from_whole_lessons(client, course, monkeypatch)
    body = response.json()
    assert [len(m["lessons"]) for m in body["modules"]] == [3, 0, 3, 4]
    assert body["modules"][-1]["title"] == UNICODE
    assert sum(ls["position_seconds"] == 37 for m in body["modules"] for ls in m["lessons"]) == 1


def test_an_instructor_going_through_has_no_enrollment(course, instructor, monkeypatch):
    client = api_for(instructor)
    complete_lesson(user=instructor, lesson=lessons_of(course)[0])

    response = client.get(f"/courses/{course.pk}/progress")

    assert response.status_code == 200
    body = response.json()
    assert (body["lessons_completed"], body["completed_at"], body["last_lesson_id"]) == (
        1,
        None,
        None,
    )
    assert response.content == answer_from_whole_lessons(client, course, monkeypatch)


def test_reading_progress_takes_a_few_queries_whatever_the_size(
    instructor, django_assert_max_num_queries
):
    course = course_with_curriculum(owner=instructor, price=0, modules=6, lessons=8)
    learner = UserFactory()
    enroll(learner, course)
    for lesson in lessons_of(course)[::3]:
        complete_lesson(user=learner, lesson=lesson)
    client = api_for(learner)
    client.get(f"/courses/{course.pk}/progress")  # the access check remembered

    with django_assert_max_num_queries(4):
        body = client.get(f"/courses/{course.pk}/progress").json()

    assert body["lessons_total"] == 48
    assert body["lessons_completed"] == 16


def test_others_are_refused(course):
    assert api_for(UserFactory()).get(f"/courses/{course.pk}/progress").status_code == 403
