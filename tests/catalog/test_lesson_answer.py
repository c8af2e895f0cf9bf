"""GET /lessons/{id} is written from the row (answers.lesson); it answers the bytes LessonOut
wrote, for learners and for the course's editors, whatever the lesson holds."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile

from agora.accounts.types import Viewer
from agora.catalog import answers, lesson_cache, queries
from agora.catalog.models import LessonType, Resource
from agora.catalog.schemas import LessonOut
from agora.core.renderer import dumps
from tests.catalog.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    QuizQuestionFactory,
    UrlResourceFactory,
    enroll,
)
from tests.catalog.test_lesson_media import legacy_video

pytestmark = pytest.mark.django_db

UNICODE = 'Ünïcødé — 日本語 😀 "q" \\ \n\t <b>&</b>'
CODE_TESTS = [
    {"name": "adds", "stdin": "1 2\n", "expected_stdout": "3\n", "hidden": False},
    {"name": "big", "stdin": "9" * 40, "expected_stdout": UNICODE, "hidden": True},
]


@pytest.fixture
def course(instructor):
    return CourseFactory(owner=instructor)


def _varied_lessons(course) -> list[int]:
    module = ModuleFactory(course=course)
    text = LessonFactory(module=module, title=UNICODE[:100], body=f"# {UNICODE}\n\n* **a**")
    UrlResourceFactory(lesson=text, title=UNICODE[:50], url="https://example.com/a?b=1&c=2")
    Resource.objects.create(
        lesson=text,
        title="Notes",
        file=ContentFile(b"%PDF-1.4", name="notes.pdf"),
        size_bytes=8,
        content_type="application/pdf",
    )
    assignment = LessonFactory(
        module=module,
        type=LessonType.ASSIGNMENT,
        body="Write *three* pages.",
        due_at=dt.datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=dt.UTC),
        max_points=20,
        pass_points=12,
    )
    code = LessonFactory(
        module=module,
        type=LessonType.CODE,
        body="",
        code_language="python",
        starter_code="print(input())\n",
        code_tests=CODE_TESTS,
        is_preview=True,
    )
    quiz = QuizQuestionFactory(lesson__module=module, prompt=UNICODE).lesson
    QuizQuestionFactory(lesson=quiz, kind="text", options=[], accepted_answers=["Zoë"])
    quiz.max_attempts, quiz.shuffle_questions = 3, True
    quiz.save()
    video = LessonFactory(module=module, type=LessonType.VIDEO, body="", duration_seconds=0)
    legacy_video(video)
    return [text.pk, assignment.pk, code.pk, quiz.pk, video.pk]


def _both(lesson_id: int, user: Viewer) -> tuple[bytes, bytes]:
    """(what LessonOut writes, what answers.lesson writes) for the same signed links."""
    lesson, editor = queries.get_lesson_for_reading(user=user, lesson_id=lesson_id)
    media = queries.lesson_media_urls(user, lesson, readable=True)
    resources = lesson_cache.resource_rows(lesson.pk)
    fast = dumps(answers.lesson(lesson, resources=resources, media=media, show_answers=editor))
    lesson.show_answers = editor  # type: ignore[attr-defined]
    lesson.media_urls = media  # type: ignore[attr-defined]
    return dumps(LessonOut.from_orm(lesson).model_dump()), fast


def test_a_learner_gets_the_bytes_of_the_schema(course, learner) -> None:
    enroll(learner, course)
    for lesson_id in _varied_lessons(course):
        schema, fast = _both(lesson_id, learner)
        assert fast == schema


def test_an_instructor_gets_the_bytes_of_the_schema_with_the_answers(course, instructor) -> None:
    for lesson_id in _varied_lessons(course):
        schema, fast = _both(lesson_id, instructor)
        assert fast == schema


def test_the_api_answers_learners_without_hidden_tests_or_questions(
    course, learner, learner_api, instructor_api
) -> None:
    enroll(learner, course)
    ids = _varied_lessons(course)
    code_id, quiz_id, video_id = ids[2], ids[3], ids[4]

    code = learner_api.get(f"/lessons/{code_id}")
    quiz = learner_api.get(f"/lessons/{quiz_id}")
    video = learner_api.get(f"/lessons/{video_id}").json()

    assert code.status_code == 200
    assert code["Content-Type"] == "application/json; charset=utf-8"
    assert code.content == _both(code_id, learner)[0]
    assert [test["name"] for test in code.json()["tests"]] == ["adds"]
    assert quiz.json()["questions"] is None
    assert video["video_file_url"].startswith("/media-signed/")
    edited = instructor_api.get(f"/lessons/{code_id}").json()
    assert [test["name"] for test in edited["tests"]] == ["adds", "big"]
    assert len(instructor_api.get(f"/lessons/{quiz_id}").json()["questions"]) == 2


def test_someone_not_enrolled_gets_no_links_to_a_preview_lessons_neighbours(
    course, learner_api
) -> None:
    ids = _varied_lessons(course)

    assert learner_api.get(f"/lessons/{ids[2]}").status_code == 200  # the free preview
    locked = learner_api.get(f"/lessons/{ids[4]}")
    assert locked.status_code == 403
    assert locked.json()["error"]["code"] == "enrollment_required"
    assert "media" not in locked.content.decode()
