"""GET /me/enrollments is built from rows; it answers the bytes EnrollmentOut wrote."""

import datetime as dt

import pytest
from pydantic import TypeAdapter

from agora.core.renderer import dumps
from agora.learning import queries
from agora.learning.models import Enrollment
from agora.learning.schemas import EnrollmentOut
from tests.catalog.factories import CourseFactory, LessonFactory
from tests.learning.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

UNICODE = 'Ünïcødé — 日本語 😀 "q" \\ \n\t'


def _enroll(user, course, **fields) -> None:  # type: ignore[no-untyped-def]
    enrollment = EnrollmentFactory(learner=user, course=course)
    Enrollment.objects.filter(pk=enrollment.pk).update(**fields)


def _schema_answer(user) -> bytes:  # type: ignore[no-untyped-def]
    """What Ninja wrote before: EnrollmentOut over each instance, then the API renderer."""
    validated = TypeAdapter(list[EnrollmentOut]).validate_python(list(queries.my_enrollments(user)))
    return dumps([item.model_dump() for item in validated])


def test_answer_matches_the_schema_on_varied_enrollments(user, user_api) -> None:  # type: ignore[no-untyped-def]
    lesson = LessonFactory(module__course__title=UNICODE, module__course__slug="uni-code")
    _enroll(
        user,
        lesson.module.course,
        progress_percent=100,
        completed_at=dt.datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=dt.UTC),
        last_lesson=lesson,
        last_activity_at=dt.datetime(2026, 3, 1, 11, 0, tzinfo=dt.UTC),
        source="purchase",
    )
    _enroll(user, CourseFactory(), progress_percent=0, last_activity_at=None)  # nulls
    _enroll(
        user,
        CourseFactory(title=""),
        progress_percent=57,
        last_activity_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
    )
    EnrollmentFactory(course=CourseFactory())  # someone else's
    assert Enrollment.objects.filter(learner=user).count() == 3

    response = user_api.get("/me/enrollments")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == _schema_answer(user)
    body = response.json()
    assert body[0]["course"]["title"] == UNICODE
    assert body[0]["completed_at"] == "2026-03-01T12:00:00.123Z"
    assert body[2]["completed_at"] is None
    assert body[2]["last_lesson_id"] is None
    assert body[2]["last_activity_at"] is None


def test_no_token_is_refused(api) -> None:  # type: ignore[no-untyped-def]
    assert api.get("/me/enrollments").status_code == 401
