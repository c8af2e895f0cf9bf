"""The code exercise in the course player: the editor with its example tests, Run and
Submit through htmx with results that poll themselves, the lesson completed by a passing
submission only, and the per-test figures on the instructor's students page."""

import re

import pytest
from django.urls import reverse

from agora.catalog.models import LessonType
from agora.learning.models import CodeRun, LessonProgress
from tests.accounts.factories import UserFactory
from tests.catalog.factories import LessonFactory, api_for, course_with_curriculum, enroll
from tests.conftest import HTMX, client_for
from tests.policy import csp_directives

TESTS = [
    {"name": "doubles", "stdin": "21\n", "expected_stdout": "42\n", "hidden": False},
    {"name": "secret-case", "stdin": "98765\n", "expected_stdout": "197530\n", "hidden": True},
]
RIGHT = "print(int(input()) * 2)"


@pytest.fixture
def course(instructor):
    return course_with_curriculum(owner=instructor, price=0, modules=1, lessons=1)


@pytest.fixture
def exercise(course):
    return LessonFactory(
        module=course.modules.first(),
        type=LessonType.CODE,
        code_language="python",
        starter_code="n = int(input())\n",
        code_tests=TESTS,
    )


@pytest.fixture
def browser(learner, course):
    enroll(learner, course)
    return client_for(learner)


def post_run(browser, course, lesson, code, mode, capture):
    url = reverse("learn_code_run", args=[course.slug, lesson.pk])
    with capture(execute=True):
        return browser.post(url, {"code": code, "mode": mode}, **HTMX)


def status_url(run):
    return reverse("learn_code_run_status", args=[run.pk])


@pytest.mark.django_db
class TestPlayer:
    def test_the_player_shows_the_editor_and_only_the_example_tests(
        self, browser, course, exercise
    ):
        page = browser.get(reverse("learn_lesson", args=[course.slug, exercise.pk]))

        html = page.content.decode()
        assert page.status_code == 200
        assert 'id="code-editor"' in html
        assert "vendor/codemirror/codemirror.min.js" in html
        assert "n = int(input())" in html  # the starter code in the editor's textarea
        assert "doubles" in html
        assert "secret-case" not in html
        assert "98765" not in html
        assert "(1 hidden)" in html
        assert "Mark as complete" not in html

    def test_the_editor_styles_are_allowed_by_a_nonce_not_inline_styles(
        self, browser, course, exercise
    ):
        page = browser.get(reverse("learn_lesson", args=[course.slug, exercise.pk]))

        nonce = re.search(r'data-csp-nonce="([^"]+)"', page.content.decode()).group(1)
        directives = csp_directives(page)
        assert directives["style-src"] == ["'self'", f"'nonce-{nonce}'"]
        assert directives["script-src"] == ["'self'"]
        assert "unsafe-inline" not in page["Content-Security-Policy"]

    def test_run_then_submit_completes_the_lesson(
        self, browser, learner, course, exercise, django_capture_on_commit_callbacks
    ):
        queued = post_run(
            browser, course, exercise, "print(42)", "run", django_capture_on_commit_callbacks
        )
        assert queued.status_code == 200
        run = CodeRun.objects.get()
        assert status_url(run) in queued.content.decode()  # it polls for the result

        tried = browser.get(status_url(run), **HTMX).content.decode()
        assert "Every test passed" in tried
        assert "secret-case" not in tried

        post_run(
            browser, course, exercise, "print(42)", "submit", django_capture_on_commit_callbacks
        )
        failed = browser.get(status_url(CodeRun.objects.latest("id")), **HTMX).content.decode()
        assert "secret-case" in failed
        assert "wrong answer" in failed
        assert "197530" not in failed
        assert "98765" not in failed
        assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()

        post_run(browser, course, exercise, RIGHT, "submit", django_capture_on_commit_callbacks)
        done = browser.get(status_url(CodeRun.objects.latest("id")), **HTMX).content.decode()
        assert "Every test passed" in done
        assert "Lesson completed" in done  # the completion area, swapped out of band
        assert LessonProgress.objects.get(user=learner, lesson=exercise).completed_at is not None

        # The editor opens with the learner's last program.
        page = browser.get(reverse("learn_lesson", args=[course.slug, exercise.pk]))
        assert RIGHT in page.content.decode()

    def test_empty_code_shows_the_reason(
        self, browser, course, exercise, django_capture_on_commit_callbacks
    ):
        response = post_run(
            browser, course, exercise, "  ", "run", django_capture_on_commit_callbacks
        )

        assert "Write some code first." in response.content.decode()
        assert not CodeRun.objects.exists()

    def test_someone_elses_run_is_404(
        self, browser, course, exercise, django_capture_on_commit_callbacks
    ):
        post_run(browser, course, exercise, RIGHT, "run", django_capture_on_commit_callbacks)
        other = UserFactory()
        enroll(other, course)

        assert client_for(other).get(status_url(CodeRun.objects.get())).status_code == 404

    def test_not_enrolled_cannot_run(self, course, exercise, django_capture_on_commit_callbacks):
        stranger = client_for(UserFactory())

        response = post_run(
            stranger, course, exercise, RIGHT, "run", django_capture_on_commit_callbacks
        )

        assert response.status_code == 403
        assert not CodeRun.objects.exists()


@pytest.mark.django_db
def test_marking_an_exercise_complete_needs_a_passing_submission(
    learner, course, exercise, django_capture_on_commit_callbacks
):
    enroll(learner, course)
    api = api_for(learner)

    refused = api.post(f"/lessons/{exercise.pk}/complete")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "exercise_not_passed"
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()

    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/lessons/{exercise.pk}/code/runs", {"code": RIGHT})
    assert api.post(f"/lessons/{exercise.pk}/complete").status_code == 200


@pytest.mark.django_db
def test_the_students_page_shows_each_tests_pass_rate(
    instructor, course, exercise, django_capture_on_commit_callbacks
):
    for code in (RIGHT, "print(42)"):
        learner = UserFactory()
        enroll(learner, course)
        with django_capture_on_commit_callbacks(execute=True):
            api_for(learner).post(f"/lessons/{exercise.pk}/code/runs", {"code": code})

    html = client_for(instructor).get(reverse("course_students", args=[course.pk])).content.decode()

    assert "Code exercises" in html
    assert "2 submissions by 2 learners; 1 passed every test." in html
    assert "<td>2 (100%)</td>" in html  # doubles
    assert "<td>1 (50%)</td>" in html  # secret-case
