"""Writing a code exercise's tests in the studio: a text field of `=== name` blocks that
round-trips with the lesson's tests, hidden ones marked, mistakes shown on the field."""

import pytest

from agora.catalog.forms.lessons import code_tests_as_text, code_tests_from_text
from agora.catalog.models import Lesson, LessonType
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory
from tests.conftest import client_for

TEXT = """=== adds
2 3
--- expected
5
=== big (hidden)
1000000 2
--- expected
1000002
"""
TESTS = [
    {"name": "adds", "stdin": "2 3\n", "expected_stdout": "5\n", "hidden": False},
    {"name": "big", "stdin": "1000000 2\n", "expected_stdout": "1000002\n", "hidden": True},
]


def test_the_text_and_the_tests_round_trip():
    assert code_tests_from_text(TEXT) == TESTS
    assert code_tests_as_text(TESTS) == TEXT


def test_a_test_without_input_keeps_an_empty_stdin():
    assert code_tests_from_text("=== hello\n--- expected\nHello\n") == [
        {"name": "hello", "stdin": "", "expected_stdout": "Hello\n", "hidden": False}
    ]


@pytest.fixture
def course(instructor):
    return CourseFactory(owner=instructor)


@pytest.mark.django_db
class TestStudio:
    def code_data(self, tests: str) -> dict:
        return {
            "type": "code",
            "title": "Sum",
            "body": "Add two numbers.",
            "code_language": "python",
            "starter_code": "a, b = map(int, input().split())\n",
            "code_tests": tests,
        }

    def test_a_new_exercise_saves_its_tests(self, instructor, course):
        module = ModuleFactory(course=course)

        response = client_for(instructor).post(
            f"/studio/modules/{module.pk}/lessons/new/", self.code_data(TEXT)
        )

        assert response.status_code == 302
        assert Lesson.objects.get().code_tests == TESTS

    def test_the_edit_form_shows_the_tests_as_text(self, instructor, course):
        lesson = LessonFactory(
            module=ModuleFactory(course=course),
            type=LessonType.CODE,
            code_language="python",
            code_tests=TESTS,
        )

        html = client_for(instructor).get(f"/studio/lessons/{lesson.pk}/").content.decode()

        assert "=== big (hidden)" in html
        assert "1000002" in html

    def test_text_outside_a_test_is_refused_on_the_field(self, instructor, course):
        module = ModuleFactory(course=course)

        response = client_for(instructor).post(
            f"/studio/modules/{module.pk}/lessons/new/", self.code_data("2 3\n=== adds\n")
        )

        assert response.status_code == 200
        assert "Line 1: start each test with “=== name”." in response.content.decode()
        assert not Lesson.objects.exists()

    def test_tests_in_a_language_without_a_runner_are_refused(self, instructor, course):
        module = ModuleFactory(course=course)
        data = {**self.code_data(TEXT), "code_language": "rust"}

        response = client_for(instructor).post(f"/studio/modules/{module.pk}/lessons/new/", data)

        assert response.status_code == 200
        assert "Tests run for python and javascript exercises only." in response.content.decode()
        assert not Lesson.objects.exists()
