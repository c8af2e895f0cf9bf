"""Schemathesis over /api/v1/openapi.json: every operation, called by four callers (anonymous,
learner, instructor, admin) with valid and with invalid input, must answer with a status the
schema documents, a body that matches that status's schema, the documented content type, and
never a 5xx.

The run is in-process (Django's WSGI handler, no network), deterministic (hypothesis
`derandomize`: the same cases every run) and bounded (MAX_EXAMPLES per operation, caller and
mode), so it runs in the normal suite on SQLite and on PostgreSQL. Path ids are generated, or
taken from real rows (a published course with a preview and a quiz lesson, a draft, an order,
a review, a certificate...), so both the 404s and the answers about real rows are checked.

Each example runs inside a savepoint that is rolled back, so no example changes what the next
one sees: an admin suspending the learner, or a caller erasing their own account (DELETE /me),
is fuzzed like anything else and undone. No operation is excluded: the payment webhooks get
unsigned bodies and must answer 400 (or 404 for an unknown provider), which is their contract.
"""

import os
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis import checks as st_checks
from schemathesis.core.failures import FailureGroup

from agora.accounts.tokens import issue_access_token
from agora.catalog.models import LessonType, QuestionKind, QuizQuestion
from agora.community.models import Review
from agora.learning.certificates.services import issue_certificate
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    CourseFactory,
    DraftCourseFactory,
    LessonFactory,
    ModuleFactory,
    UrlResourceFactory,
    enroll,
)
from tests.commerce.factories import paid_order

pytestmark = pytest.mark.django_db

# Examples per operation, caller and mode (valid and invalid input): ~95 operations x 4
# callers x 2 modes x this many requests is the run's cost, about 100 s on SQLite and 130 s on
# PostgreSQL on 2 cores. `AGORA_FUZZ_EXAMPLES=200` explores further locally.
MAX_EXAMPLES = int(os.environ.get("AGORA_FUZZ_EXAMPLES", "10"))

CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
    st_checks.response_headers_conformance,
]


@dataclass
class World:
    """Rows the fuzzed requests can hit: ids that exist, some the caller may see."""

    tokens: dict[str, str] = field(default_factory=dict)
    path_values: dict[str, list[Any]] = field(default_factory=dict)


@pytest.fixture
def world(settings: Any) -> World:
    # Counters live in the cache, which the per-example rollback does not undo: with limits
    # on, later examples would only see 429s (documented, but they test nothing).
    settings.RATELIMIT_ENABLE = False
    learner = UserFactory(name="Lena Learner")
    instructor = UserFactory(name="Ivan Instructor", is_instructor=True)
    admin = UserFactory(name="Ada Admin", is_staff=True, is_superuser=True)

    course = CourseFactory(owner=instructor, price=0, title="Fuzzing for Beginners")
    module = ModuleFactory(course=course)
    text_lesson = LessonFactory(module=module, is_preview=True)
    quiz_lesson = LessonFactory(module=module, type=LessonType.QUIZ, pass_percent=70)
    QuizQuestion.objects.create(
        lesson=quiz_lesson,
        position=1,
        prompt="Which one?",
        kind=QuestionKind.SINGLE,
        options=["a", "b"],
        correct=[1],
    )
    resource = UrlResourceFactory(lesson=text_lesson)
    draft = DraftCourseFactory(owner=instructor)
    draft_module = ModuleFactory(course=draft)
    LessonFactory(module=draft_module)
    enrollment = enroll(learner, course)
    review = Review.objects.create(course=course, learner=learner, rating=4, comment="Good.")
    certificate = issue_certificate(enrollment)
    paid = CourseFactory(owner=instructor, price=2500)
    ModuleFactory(course=paid)
    order = paid_order(buyer=learner, course=paid)

    return World(
        tokens={
            "anonymous": "",
            "learner": issue_access_token(learner),
            "instructor": issue_access_token(instructor),
            "admin": issue_access_token(admin),
        },
        path_values={
            "course_id": [course.pk, draft.pk, paid.pk],
            "module_id": [module.pk, draft_module.pk],
            "lesson_id": [text_lesson.pk, quiz_lesson.pk],
            "resource_id": [resource.pk],
            "user_id": [learner.pk, instructor.pk],
            "order_id": [order.pk],
            "review_id": [review.pk],
            "certificate_id": [certificate.pk],
            "code": [certificate.code],
            "provider": ["demo"],
        },
    )


@pytest.fixture
def app() -> Any:
    # As Django's test client does: the handler must not close the test's connection (and
    # with it the transaction that holds the fixtures) when a request finishes.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _strategy(operation: Any, world: World, mode: GenerationMode) -> Any:
    """Cases with generated path ids (mostly missing rows) and with ids of real rows."""
    names = [p.name for p in operation.path_parameters]
    known = [name for name in names if name in world.path_values]
    strategies = [operation.as_strategy(generation_mode=mode)]
    if known:
        variants = max(len(world.path_values[name]) for name in known)
        for index in range(variants):
            fixed = {
                name: world.path_values[name][index % len(world.path_values[name])]
                for name in known
            }
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    return st.one_of(*strategies)


def _fuzz(operation: Any, world: World, caller: str, mode: GenerationMode) -> dict[str, str]:
    token = world.tokens[caller]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    problems: dict[str, str] = {}

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=_strategy(operation, world, mode))
    def run(case: Any) -> None:
        with transaction.atomic():
            try:
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                # One report per kind of failure and operation: the first example found.
                for failure in group.exceptions:
                    key = f"{caller} {operation.label} ({mode.value}): {failure.title}"
                    problems.setdefault(key, str(group))
            finally:
                transaction.set_rollback(True)

    try:
        run()
    except Unsatisfiable:
        # Negative mode needs something to break: an operation without parameters or body
        # (POST /me/instructor) has no invalid input. Positive mode always runs.
        if mode is not GenerationMode.NEGATIVE:
            raise
    return problems


@pytest.mark.parametrize("caller", ["anonymous", "learner", "instructor", "admin"])
def test_every_operation_answers_as_documented(app: Any, world: World, caller: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    problems: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            problems |= _fuzz(operation, world, caller, mode)
    report = [f"## {key}\n{detail}" for key, detail in problems.items()]
    assert not problems, "\n".join(problems) + "\n\n" + "\n\n".join(report)
