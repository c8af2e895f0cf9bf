"""Code exercises over the API: runs queued on the `code` queue, run in the sandbox, results
shown without hidden tests' details, submissions completing the lesson, and the limits."""

import json

import pytest

from agora.catalog.models import LessonType
from agora.core.models import Job
from agora.gamification.queries import ledger_total
from agora.learning import exercises
from agora.learning.models import CodeRun, CodeRunStatus, LessonProgress
from agora.learning.sandbox import SandboxUnavailable
from tests.accounts.factories import UserFactory
from tests.catalog.factories import LessonFactory, api_for, course_with_curriculum, enroll
from tests.conftest import ApiClient
from tests.core.test_redis_outage import use_redis

TESTS = [
    {"name": "adds", "stdin": "2 3\n", "expected_stdout": "5\n", "hidden": False},
    {"name": "negatives", "stdin": "-4 1\n", "expected_stdout": "-3\n", "hidden": False},
    {"name": "big", "stdin": "1000000 2\n", "expected_stdout": "1000002\n", "hidden": True},
]
RIGHT = "a, b = map(int, input().split())\nprint(a + b)"
# Right on the visible tests only: fails the hidden one.
SMALL_ONLY = "a, b = map(int, input().split())\nprint(a + b if a < 1000 else 0)"


@pytest.fixture
def course(instructor):
    return course_with_curriculum(owner=instructor, price=0, modules=1, lessons=1)


@pytest.fixture
def exercise(course):
    return LessonFactory(
        module=course.modules.first(),
        type=LessonType.CODE,
        code_language="python",
        starter_code="# read two numbers and print their sum\n",
        code_tests=TESTS,
    )


@pytest.fixture
def enrolled(learner, course):
    enroll(learner, course)
    return learner


def start(api, lesson, code, mode=None, capture=None):
    body = {"code": code} if mode is None else {"code": code, "mode": mode}
    with capture(execute=True):
        response = api.post(f"/lessons/{lesson.pk}/code/runs", body)
    return response


@pytest.mark.django_db
class TestRunning:
    def test_a_right_submission_passes_every_test_and_completes_the_lesson(
        self, learner_api, enrolled, exercise, django_capture_on_commit_callbacks
    ):
        xp_before = ledger_total(enrolled)
        response = start(learner_api, exercise, RIGHT, capture=django_capture_on_commit_callbacks)

        assert response.status_code == 202
        created = response.json()
        assert created["status"] == "queued"
        run = learner_api.get(f"/code-runs/{created['id']}")
        assert run.status_code == 200
        body = run.json()
        assert (body["status"], body["passed_all"], body["mode"]) == ("done", True, "submit")
        assert [(r["name"], r["passed"], r["verdict"]) for r in body["results"]] == [
            ("adds", True, "ok"),
            ("negatives", True, "ok"),
            ("big", True, "ok"),
        ]
        assert body["results"][0]["stdout"] == "5\n"
        assert body["results"][0]["time_ms"] >= 0
        progress = LessonProgress.objects.get(user=enrolled, lesson=exercise)
        assert progress.completed_at is not None
        assert ledger_total(enrolled) > xp_before

    def test_the_job_goes_to_the_code_queue(
        self, learner_api, enrolled, exercise, django_capture_on_commit_callbacks
    ):
        start(learner_api, exercise, RIGHT, capture=django_capture_on_commit_callbacks)

        job = Job.objects.get(task="agora.learning.tasks.run_code")
        assert job.queue == "code"
        assert job.kwargs == {"code_run_id": CodeRun.objects.get().pk}

    def test_a_hidden_failure_shows_only_name_passed_and_verdict(
        self, learner_api, enrolled, exercise, django_capture_on_commit_callbacks
    ):
        created = start(
            learner_api, exercise, SMALL_ONLY, capture=django_capture_on_commit_callbacks
        ).json()

        body = learner_api.get(f"/code-runs/{created['id']}").json()
        assert body["passed_all"] is False
        hidden = body["results"][2]
        assert hidden == {
            "name": "big",
            "hidden": True,
            "passed": False,
            "verdict": "wrong_answer",
            "stdout": None,
            "stderr": None,
            "time_ms": None,
        }
        assert "1000002" not in json.dumps(body)
        assert not LessonProgress.objects.filter(
            user=enrolled, lesson=exercise, completed_at__isnull=False
        ).exists()

    def test_run_mode_tries_the_visible_tests_and_completes_nothing(
        self, learner_api, enrolled, exercise, django_capture_on_commit_callbacks
    ):
        created = start(
            learner_api, exercise, RIGHT, mode="run", capture=django_capture_on_commit_callbacks
        ).json()

        body = learner_api.get(f"/code-runs/{created['id']}").json()
        assert body["mode"] == "run"
        assert body["passed_all"] is True
        assert [r["name"] for r in body["results"]] == ["adds", "negatives"]
        assert not LessonProgress.objects.filter(
            user=enrolled, lesson=exercise, completed_at__isnull=False
        ).exists()

    def test_a_crash_is_a_runtime_error_with_its_message(
        self, learner_api, enrolled, exercise, django_capture_on_commit_callbacks
    ):
        created = start(
            learner_api,
            exercise,
            "raise ValueError('no')",
            mode="run",
            capture=django_capture_on_commit_callbacks,
        ).json()

        first = learner_api.get(f"/code-runs/{created['id']}").json()["results"][0]
        assert (first["passed"], first["verdict"]) == (False, "runtime_error")
        assert "ValueError: no" in first["stderr"]

    def test_javascript_exercises_run_too(
        self, learner_api, enrolled, exercise, django_capture_on_commit_callbacks
    ):
        exercise.code_language = "javascript"
        exercise.save()
        code = (
            "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(' ')"
            ".map(Number);\nconsole.log(a + b);"
        )
        created = start(learner_api, exercise, code, capture=django_capture_on_commit_callbacks)

        body = learner_api.get(f"/code-runs/{created.json()['id']}").json()
        assert body["passed_all"] is True

    def test_a_refused_sandbox_finishes_the_run_with_the_reason(
        self, learner_api, enrolled, exercise, settings, django_capture_on_commit_callbacks
    ):
        settings.CODE_RUNNER = "piston"
        settings.CODE_RUNNER_URL = ""

        created = start(learner_api, exercise, RIGHT, capture=django_capture_on_commit_callbacks)

        body = learner_api.get(f"/code-runs/{created.json()['id']}").json()
        assert (body["status"], body["passed_all"], body["results"]) == ("done", False, [])
        assert "CODE_RUNNER_URL" in body["error"]
        assert not LessonProgress.objects.filter(user=enrolled, completed_at__isnull=False).exists()

    def test_running_a_finished_run_again_changes_nothing(
        self, learner_api, enrolled, exercise, django_capture_on_commit_callbacks
    ):
        start(learner_api, exercise, RIGHT, capture=django_capture_on_commit_callbacks)
        run = CodeRun.objects.get()
        finished_at = run.finished_at

        assert exercises.execute_code_run(code_run_id=run.pk) == CodeRunStatus.DONE
        run.refresh_from_db()
        assert run.finished_at == finished_at


@pytest.mark.django_db
class TestRefusals:
    def test_anonymous_is_401(self, exercise):
        response = ApiClient().post(f"/lessons/{exercise.pk}/code/runs", {"code": RIGHT})
        assert response.status_code == 401

    def test_not_enrolled_is_403_and_nothing_is_queued(self, learner_api, exercise):
        response = learner_api.post(f"/lessons/{exercise.pk}/code/runs", {"code": RIGHT})

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "enrollment_required"
        assert not CodeRun.objects.exists()
        assert not Job.objects.filter(task="agora.learning.tasks.run_code").exists()

    def test_someone_elses_run_is_404(
        self, learner_api, enrolled, exercise, course, django_capture_on_commit_callbacks
    ):
        created = start(learner_api, exercise, RIGHT, capture=django_capture_on_commit_callbacks)
        other = UserFactory()
        enroll(other, course)

        response = api_for(other).get(f"/code-runs/{created.json()['id']}")

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "code_run_not_found"
        assert ApiClient().get(f"/code-runs/{created.json()['id']}").status_code == 401

    def test_a_lesson_that_is_not_an_exercise_is_404(self, learner_api, enrolled, course):
        text = course.modules.first().lessons.first()

        response = learner_api.post(f"/lessons/{text.pk}/code/runs", {"code": RIGHT})

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "exercise_not_found"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"code": "   "}, "code"),
            ({"code": "x" * 50_001}, "code"),
            ({"code": "1", "mode": "x"}, "mode"),
        ],
    )
    def test_bad_input_is_422(self, learner_api, enrolled, exercise, body, field):
        response = learner_api.post(f"/lessons/{exercise.pk}/code/runs", body)

        assert response.status_code == 422
        assert not CodeRun.objects.exists()

    def test_an_exercise_in_a_language_without_a_runner_is_409(
        self, learner_api, enrolled, exercise
    ):
        exercise.code_language = "rust"
        exercise.save()

        response = learner_api.post(f"/lessons/{exercise.pk}/code/runs", {"code": RIGHT})

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "exercise_not_runnable"

    def test_runs_are_limited_per_person(
        self, learner_api, enrolled, exercise, settings, django_capture_on_commit_callbacks
    ):
        settings.CODE_RUN_RATE_LIMIT = "2/m"
        for _ in range(2):
            assert (
                start(
                    learner_api, exercise, RIGHT, "run", django_capture_on_commit_callbacks
                ).status_code
                == 202
            )

        response = learner_api.post(f"/lessons/{exercise.pk}/code/runs", {"code": RIGHT})

        assert response.status_code == 429
        assert CodeRun.objects.count() == 2


@pytest.mark.django_db
def test_the_concurrency_cap_holds_a_slot_until_it_is_released(settings):
    settings.CODE_RUN_CONCURRENCY = 1
    with exercises.concurrency_slot() as slot:
        assert slot == 0
        with (
            pytest.raises(SandboxUnavailable, match="busy"),
            exercises.concurrency_slot(wait_seconds=0.2),
        ):
            pass
    with exercises.concurrency_slot(wait_seconds=0.2) as again:
        assert again == 0


@pytest.mark.redis_server
@pytest.mark.django_db
def test_runs_go_on_with_a_cap_per_machine_while_the_shared_cache_is_down(
    private_redis,
    settings,
    monkeypatch,
    learner_api,
    enrolled,
    exercise,
    django_capture_on_commit_callbacks,
    caplog,
):
    use_redis(settings, monkeypatch, private_redis.url())
    settings.CODE_RUN_CONCURRENCY = 1
    with exercises.concurrency_slot() as slot:
        assert slot == 0  # the slot lives in the shared cache while it is up
        with pytest.raises(SandboxUnavailable), exercises.concurrency_slot(wait_seconds=0.2):
            pass
    private_redis.stop()

    response = start(learner_api, exercise, RIGHT, capture=django_capture_on_commit_callbacks)

    assert response.status_code == 202
    run = CodeRun.objects.get(pk=response.json()["id"])
    assert (run.status, run.passed_all, run.error) == (CodeRunStatus.DONE, True, "")
    assert "only each machine's own cap holds" in caplog.text


@pytest.mark.django_db
class TestLessonTests:
    def test_learners_never_see_hidden_tests(self, learner_api, enrolled, exercise):
        body = learner_api.get(f"/lessons/{exercise.pk}").json()

        assert body["language"] == "python"
        assert [t["name"] for t in body["tests"]] == ["adds", "negatives"]
        assert "1000000" not in json.dumps(body)

    def test_instructors_see_every_test(self, instructor_api, exercise):
        body = instructor_api.get(f"/lessons/{exercise.pk}").json()

        assert [t["name"] for t in body["tests"]] == ["adds", "negatives", "big"]
        assert body["tests"][2] == TESTS[2]

    def test_instructors_write_tests_with_the_lesson(self, instructor_api, exercise):
        response = instructor_api.patch(
            f"/lessons/{exercise.pk}",
            {
                "language": "javascript",
                "tests": [
                    {"name": "one", "stdin": "1\n", "expected_stdout": "1\n", "hidden": True}
                ],
            },
        )

        assert response.status_code == 200
        exercise.refresh_from_db()
        assert exercise.code_language == "javascript"
        assert exercise.code_tests == [
            {"name": "one", "stdin": "1\n", "expected_stdout": "1\n", "hidden": True}
        ]

    def test_a_new_code_lesson_carries_its_tests(self, instructor_api, course):
        response = instructor_api.post(
            f"/modules/{course.modules.first().pk}/lessons",
            {
                "title": "Sum",
                "type": "code",
                "language": "python",
                "starter_code": "print()",
                "tests": [{"name": "t", "stdin": "", "expected_stdout": "\n"}],
            },
        )

        assert response.status_code == 201
        body = response.json()
        assert (body["language"], body["tests"][0]["hidden"]) == ("python", False)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"language": "rust", "tests": [{"name": "a"}]}, "python and javascript"),
            ({"tests": [{"name": "a"}, {"name": "a"}]}, "name of its own"),
        ],
    )
    def test_bad_tests_are_refused(self, instructor_api, exercise, changes, message):
        response = instructor_api.patch(f"/lessons/{exercise.pk}", changes)

        assert response.status_code == 422
        assert message in json.dumps(response.json()["error"]["fields"])
        exercise.refresh_from_db()
        assert exercise.code_tests == TESTS

    def test_learners_cannot_edit_tests(self, learner_api, enrolled, exercise):
        response = learner_api.patch(f"/lessons/{exercise.pk}", {"tests": []})

        assert response.status_code == 404
        exercise.refresh_from_db()
        assert exercise.code_tests == TESTS


@pytest.mark.django_db
class TestStats:
    def test_instructors_see_pass_rates_per_test(
        self, instructor_api, exercise, course, django_capture_on_commit_callbacks
    ):
        for code in (RIGHT, SMALL_ONLY):
            learner = UserFactory()
            enroll(learner, course)
            start(api_for(learner), exercise, code, capture=django_capture_on_commit_callbacks)

        response = instructor_api.get(f"/lessons/{exercise.pk}/code/stats")

        assert response.status_code == 200
        body = response.json()
        assert (body["submissions"], body["learners"], body["learners_passed"]) == (2, 2, 1)
        assert [(t["name"], t["runs"], t["passed"], t["pass_percent"]) for t in body["tests"]] == [
            ("adds", 2, 2, 100),
            ("negatives", 2, 2, 100),
            ("big", 2, 1, 50),
        ]

    def test_learners_and_other_instructors_get_404(
        self, learner_api, enrolled, other_api, exercise
    ):
        assert learner_api.get(f"/lessons/{exercise.pk}/code/stats").status_code == 404
        assert other_api.get(f"/lessons/{exercise.pk}/code/stats").status_code == 404


class BrokenRunner:
    """A runner that fails in a way the sandbox does not foresee (a bug, a full disk)."""

    def execute(self, **kwargs):
        raise OSError("No space left on device")


@pytest.mark.django_db
def test_a_runner_failure_ends_the_run_with_a_reason_instead_of_leaving_it_running(
    learner, course, exercise
):
    enroll(learner, course)
    run = CodeRun.objects.create(
        user=learner, lesson=exercise, language="python", code=RIGHT, mode="submit"
    )

    status = exercises.execute_code_run(code_run_id=run.pk, runner=BrokenRunner())

    run.refresh_from_db()
    assert (status, run.status, run.passed_all) == ("done", "done", False)
    assert run.error == "The code runner failed on this run: try again."
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()
