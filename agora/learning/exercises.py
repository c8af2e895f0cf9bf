"""Code exercises: every write about code runs.

A learner's program is recorded as a CodeRun (queued) and run by a job on the `code`
queue: the program runs once per test in the sandbox (agora/learning/sandbox), at most
CODE_RUN_CONCURRENCY programs at once over all workers, and each test's verdict is stored.
"Run" tries the visible tests; "submit" tries every test, and passing them all completes
the lesson (and earns its XP) through the progress service.
"""

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog.models import Lesson, LessonType
from agora.core import ratelimit
from agora.core.cache import CacheUnavailable, raise_cache_errors
from agora.core.errors import Conflict, InvalidInput, NotFound
from agora.core.jobs import enqueue
from agora.learning import sandbox
from agora.learning.errors import LearningError
from agora.learning.models import CodeRun, CodeRunMode, CodeRunStatus
from agora.learning.services import _mark_complete, check_progress_rights, locked_enrollment

logger = logging.getLogger(__name__)

MAX_CODE_LENGTH = 50_000
RATE_MESSAGE = "You are running code too often: wait a moment and try again."
# Output kept per test (the sandbox's cap bounds it already; this bounds what is stored).
STORED_OUTPUT = 8 * 1024
SLOT_KEY = "code-run-slot:{}"
SLOT_WAIT_SECONDS = 60.0


def _runnable_tests(lesson: Lesson, mode: str) -> list[dict[str, Any]]:
    tests = list(lesson.code_tests or [])
    if mode == CodeRunMode.RUN:
        tests = [test for test in tests if not test.get("hidden")]
    return tests


def start_code_run(*, user: User, lesson: Lesson, code: str, mode: str) -> CodeRun:
    """Queue the learner's program against the lesson's tests (the visible ones for `run`,
    all for `submit`). Enrolled learners, and the course's instructors and admins trying
    their own exercise; limited per person (CODE_RUN_RATE_LIMIT)."""
    if lesson.type != LessonType.CODE:
        raise NotFound("This lesson is not a code exercise.", code=LearningError.EXERCISE_NOT_FOUND)
    check_progress_rights(user, lesson)
    if mode not in CodeRunMode.values:
        raise InvalidInput(fields={"mode": ["mode is run or submit."]})
    if not code.strip():
        raise InvalidInput(fields={"code": ["Write some code first."]})
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(fields={"code": [f"At most {MAX_CODE_LENGTH} characters."]})
    runnable = lesson.code_language in {language.value for language in sandbox.Language}
    if not runnable or not _runnable_tests(lesson, mode):
        raise Conflict(
            "This exercise has no tests to run: only python and javascript exercises with "
            "tests are run.",
            code=LearningError.EXERCISE_NOT_RUNNABLE,
        )
    ratelimit.hit(
        HttpRequest(),
        group="code-runs",
        key=str(user.pk),
        rate=settings.CODE_RUN_RATE_LIMIT,
        message=RATE_MESSAGE,
    )
    from agora.learning.tasks import run_code

    with transaction.atomic():
        run = CodeRun.objects.create(
            user=user, lesson=lesson, language=lesson.code_language, code=code, mode=mode
        )
        enqueue(run_code, code_run_id=run.pk)
    return run


@contextmanager
def concurrency_slot(*, wait_seconds: float = SLOT_WAIT_SECONDS) -> Iterator[int]:
    """Hold one of CODE_RUN_CONCURRENCY slots on the shared cache (Redis in production:
    `add` is atomic there), waiting for one to free. A slot lapses by itself after the
    longest a run can take, so a worker that died holding one does not keep it.

    With the shared cache unreachable, runs are not refused: the slot is -1 and only each
    machine's own cap holds (the local sandbox's slots, or the Piston server's queue)."""
    lease = int(settings.CODE_RUN_WALL_SECONDS * 60) + 60
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait_seconds
    while True:
        for index in range(settings.CODE_RUN_CONCURRENCY):
            key = SLOT_KEY.format(index)
            try:
                with raise_cache_errors():
                    claimed: bool | None = cache.add(key, token, timeout=lease)
            except CacheUnavailable:
                claimed = None
            if claimed is None:
                logger.warning(
                    "code run slots: the shared cache is unreachable, so only each "
                    "machine's own cap holds"
                )
                yield -1
                return
            if claimed:
                try:
                    yield index
                finally:
                    if cache.get(key) == token:
                        cache.delete(key)
                return
        if time.monotonic() > deadline:
            raise sandbox.SandboxUnavailable("Every code runner stayed busy: try again shortly.")
        time.sleep(0.05)


def _result(test: dict[str, Any], execution: sandbox.Execution) -> dict[str, Any]:
    verdict = sandbox.judge(execution, str(test.get("expected_stdout", "")))
    return {
        "name": test["name"],
        "hidden": bool(test.get("hidden")),
        "passed": verdict == sandbox.Verdict.OK,
        "verdict": str(verdict),
        "stdout": execution.stdout[:STORED_OUTPUT],
        "stderr": execution.stderr[:STORED_OUTPUT],
        "time_ms": execution.time_ms,
    }


def execute_code_run(*, code_run_id: int, runner: sandbox.Runner | None = None) -> str:
    """The job: run a queued program against its tests and store the verdicts (safe to run
    twice: only a queued run is started). Returns the run's status."""
    with transaction.atomic():
        run = CodeRun.objects.select_for_update().filter(pk=code_run_id).first()
        if run is None or run.status != CodeRunStatus.QUEUED:
            return run.status if run else "missing"
        run.status = CodeRunStatus.RUNNING
        run.save(update_fields=["status"])
    lesson = Lesson.objects.select_related("module__course").get(pk=run.lesson_id)
    tests = _runnable_tests(lesson, run.mode)
    results: list[dict[str, Any]] = []
    error = ""
    try:
        chosen = runner or sandbox.get_runner()
        limits = sandbox.configured_limits()
        language = sandbox.Language(run.language)
        with concurrency_slot():
            for test in tests:
                execution = chosen.execute(
                    language=language,
                    code=run.code,
                    stdin=str(test.get("stdin", "")),
                    limits=limits,
                )
                results.append(_result(test, execution))
    except sandbox.SandboxUnavailable as refusal:
        error = str(refusal)[:500]
        results = []
    except Exception:
        # Never leave a run "running" for ever: it ends with the reason, and is logged.
        logger.exception("code run %s failed in the runner", code_run_id)
        error = "The code runner failed on this run: try again."
        results = []
    passed_all = not error and bool(results) and all(r["passed"] for r in results)
    with transaction.atomic():
        run = CodeRun.objects.select_for_update().get(pk=code_run_id)
        run.status = CodeRunStatus.DONE
        run.results = results
        run.passed_all = passed_all
        run.error = error
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "results", "passed_all", "error", "finished_at"])
        if passed_all and run.mode == CodeRunMode.SUBMIT:
            _complete(run, lesson)
    return run.status


def _complete(run: CodeRun, lesson: Lesson) -> None:
    user = User.objects.get(pk=run.user_id)
    _mark_complete(
        user=user, lesson=lesson, enrollment=locked_enrollment(user, lesson.module.course)
    )
