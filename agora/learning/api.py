"""Learning endpoints: enrolling, progress, resume positions, quizzes and code exercises."""

import json
import re
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ValidationError as PydanticValidationError

from agora.accounts.auth import authenticated_ahead, bearer_user_id, current_user, jwt_auth
from agora.catalog import queries as catalog_queries
from agora.catalog.models import Lesson, LessonType
from agora.core import read_ahead
from agora.core.api_errors import validation_fields
from agora.core.api_parser import BodyNotAnObject, check_text
from agora.core.errors import DomainError, InvalidInput, NotFound
from agora.core.pagination import PagePagination
from agora.core.renderer import json_answer
from agora.core.schemas import ErrorOut as E
from agora.learning import assignments, exercises, positions, queries, services
from agora.learning import progress as learner_progress
from agora.learning.errors import LearningError
from agora.learning.models import Enrollment
from agora.learning.schemas import (
    AttemptIn,
    AttemptOut,
    AttemptSummaryOut,
    CodeRunCreatedOut,
    CodeRunIn,
    CodeRunOut,
    CodeStatsOut,
    CompletionOut,
    CourseProgressOut,
    EnrollmentOut,
    GradeIn,
    PositionIn,
    QuizOut,
    QuizStatsOut,
    StudentOut,
    SubmissionOut,
    SubmissionTextIn,
)

router = Router(tags=["learning"], auth=jwt_auth)


def _course_ref(course: Any) -> dict[str, Any]:
    return {"id": course.pk, "slug": course.slug, "title": course.title}


# --- enrollments -----------------------------------------------------------------------------
@router.post(
    "/courses/{course_id}/enroll",
    response={200: EnrollmentOut, 201: EnrollmentOut, 401: E, 402: E, 404: E, 409: E},
    summary="Enroll in a free course (idempotent: 201 the first time, then 200)",
    description="A paid course answers 402 `payment_required`: buy it with POST /checkout.",
)
def enroll(request: HttpRequest, course_id: str) -> Status[Enrollment]:
    user = current_user(request)
    course = catalog_queries.get_course_for_viewer(user=user, key=course_id)
    enrollment, created = services.enroll_free(learner=user, course=course)
    return Status(201 if created else 200, enrollment)


@router.get(
    "/me/enrollments",
    response={200: list[EnrollmentOut], 401: E},
    summary="My courses with progress, the most recently studied first",
)
def my_enrollments(request: HttpRequest) -> HttpResponse:
    # Plain rows written by the API's renderer: the bytes EnrollmentOut would give.
    return json_answer(queries.my_enrollment_rows(current_user(request)))


@router.get(
    "/courses/{course_id}/progress",
    response={200: CourseProgressOut, 401: E, 403: E, 404: E},
    summary="My progress in a course, per module and lesson, with where to continue",
)
def course_progress(request: HttpRequest, course_id: str) -> HttpResponse:
    user = current_user(request)
    course = queries.get_course_for_learning(user=user, key=course_id)
    progress = learner_progress.course_progress(user=user, course=course, outline=True)
    next_lesson = progress.next_lesson()
    # Plain values written by the API's renderer: the bytes CourseProgressOut would give.
    return json_answer(
        {
            "course": _course_ref(course),
            "progress_percent": progress.percent,
            "lessons_completed": progress.done,
            "lessons_total": progress.total,
            "completed_at": progress.completed_at,
            "last_lesson_id": progress.enrollment.last_lesson_id if progress.enrollment else None,
            "next_lesson_id": next_lesson.pk if next_lesson else None,
            "modules": [
                {
                    "id": state.module.pk,
                    "title": state.module.title,
                    "lessons_completed": state.done,
                    "lessons_total": state.total,
                    "lessons": [
                        {
                            "id": ls.lesson.pk,
                            "title": ls.lesson.title,
                            "type": ls.lesson.type,
                            "completed": ls.completed,
                            "position_seconds": ls.position_seconds,
                        }
                        for ls in state.lessons
                    ],
                }
                for state in progress.modules
            ],
        }
    )


# --- progress --------------------------------------------------------------------------------
@router.post(
    "/lessons/{lesson_id}/complete",
    response={200: CompletionOut, 401: E, 403: E, 404: E, 409: E},
    summary="Mark a lesson done (idempotent; a quiz lesson is done by passing it)",
)
def complete_lesson(request: HttpRequest, lesson_id: int) -> services.CompletionResult:
    return services.complete_lesson(
        user=current_user(request), lesson=catalog_queries.get_lesson(lesson_id)
    )


@router.put(
    "/lessons/{lesson_id}/position",
    response={204: None, 401: E, 403: E, 404: E, 422: E},
    summary="Save where playback is, to resume there (and optionally time spent)",
)
def save_position(request: HttpRequest, lesson_id: int, payload: PositionIn) -> Status[None]:
    services.save_position(
        user=current_user(request),
        lesson=lesson_id,  # looked up only when the learner's rights are not remembered
        seconds=payload.seconds,
        spent_seconds=payload.spent_seconds,
    )
    return Status(204, None)


# Where `save_position` answers, under the API's mount (agora/urls.py).
_POSITION_PATH = re.compile(r"/api/v1/lessons/([0-9]{1,9})/position")
_LARGEST_REPORT = 1024  # bytes: a player's report is about 40


def plan_position_report(request: HttpRequest) -> read_ahead.ReadAhead | None:
    """A player's position report (registered in LearningConfig): the learner's remembered
    rights to the lesson are read with the call's rate-limit count, and the report is
    answered from there, skipping the middleware further in, the URL resolver and the API
    framework: every watching learner sends one every few seconds. Anything else it might
    need (rights not remembered, a body other than a well-formed report, no Redis to buffer
    it in, a caller JWTAuth would refuse) goes on to the view, which answers as usual."""
    user_id = bearer_user_id(request) if request.method == "PUT" else None
    match = _POSITION_PATH.fullmatch(request.path_info) if user_id is not None else None
    if match is None or user_id is None:
        return None
    lesson_id = int(match[1])

    def answer(request: HttpRequest, found: read_ahead.Found) -> HttpResponse | None:
        rights = services.remembered_rights(found.value)
        if rights is None:
            return None
        payload = _well_formed_report(request)
        if payload is None:
            return None
        user = authenticated_ahead(request)
        if user is None:
            return None
        report = services.position_report(
            user, lesson_id, rights, payload.seconds, payload.spent_seconds
        )
        # Not buffered (no Redis, or it is gone): the view writes it at once.
        if not positions.buffer(report):
            return None
        # As the API framework answers a 204 (CommonMiddleware adds the length).
        response = HttpResponse(status=204, content_type="application/json; charset=utf-8")
        response["Content-Length"] = "0"
        return response

    return read_ahead.ReadAhead(services.rights_key(user_id, lesson_id), answer=answer)


def _well_formed_report(request: HttpRequest) -> PositionIn | None:
    """The body as `save_position` takes it, when it is a small JSON object of whole numbers
    in range; None for anything else, for the view to parse and answer as it does."""
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > _LARGEST_REPORT:
            return None
        data = json.loads(request.body)
        if not isinstance(data, dict) or not data.keys() <= PositionIn.model_fields.keys():
            return None  # other fields: the view checks their text too
        return PositionIn.model_validate(data, strict=True)
    except (ValueError, PydanticValidationError):  # JSONDecodeError is a ValueError
        return None


# --- quizzes ---------------------------------------------------------------------------------
def _quiz_lesson(lesson_id: int) -> Lesson:
    lesson = catalog_queries.get_lesson(lesson_id)
    if lesson.type != LessonType.QUIZ:
        raise NotFound("This lesson has no quiz.", code=LearningError.QUIZ_NOT_FOUND)
    return lesson


@router.get(
    "/lessons/{lesson_id}/quiz",
    response={200: QuizOut, 401: E, 403: E, 404: E},
    summary="A quiz's questions, without their answers, and my standing in it",
)
def get_quiz(request: HttpRequest, lesson_id: int) -> dict[str, Any]:
    user = current_user(request)
    lesson = _quiz_lesson(lesson_id)
    services.check_progress_rights(user, lesson)
    standing = queries.quiz_standing(user, lesson)
    return {
        "lesson_id": lesson.pk,
        "pass_percent": lesson.pass_percent if lesson.pass_percent is not None else 70,
        "max_attempts": lesson.max_attempts,
        "attempts_used": standing.attempts_used,
        "attempts_left": standing.attempts_left,
        "best_score": standing.best_score,
        "passed": standing.passed,
        "questions": [
            {"id": q.pk, "prompt": q.prompt, "kind": q.kind, "options": q.options}
            for q in queries.quiz_questions_for(user, lesson)
        ],
    }


@router.post(
    "/lessons/{lesson_id}/quiz/attempts",
    response={201: AttemptOut, 401: E, 403: E, 404: E, 409: E, 422: E},
    summary="Submit answers; graded at once (score in percent). Passing completes the lesson",
    description=(
        "Each answer is `{question_id, selected: [option index]}` or, for a blank, "
        "`{question_id, text}`. Unanswered questions count as wrong. The right answers are "
        "shown once the quiz is passed or no attempt is left."
    ),
)
def submit_attempt(
    request: HttpRequest, lesson_id: int, payload: AttemptIn
) -> Status[dict[str, Any]]:
    result = services.submit_quiz(
        user=current_user(request),
        lesson=_quiz_lesson(lesson_id),
        answers=[answer.model_dump() for answer in payload.answers],
    )
    attempt = result.attempt
    return Status(
        201,
        {
            "id": attempt.pk,
            "score": attempt.score,
            "passed": attempt.passed,
            "created_at": attempt.created_at,
            "attempts_left": result.attempts_left,
            "progress_percent": result.progress.progress_percent if result.progress else None,
            "course_completed": result.progress.course_completed if result.progress else None,
            "results": [vars(r) for r in result.results],
        },
    )


@router.get(
    "/lessons/{lesson_id}/quiz/attempts",
    response={200: list[AttemptSummaryOut], 401: E, 403: E, 404: E},
    summary="My attempts at a quiz, newest first",
)
def my_attempts(request: HttpRequest, lesson_id: int) -> Any:
    user = current_user(request)
    lesson = _quiz_lesson(lesson_id)
    services.check_progress_rights(user, lesson)
    return queries.my_attempts(user, lesson)


# --- code exercises --------------------------------------------------------------------------
@router.post(
    "/lessons/{lesson_id}/code/runs",
    response={202: CodeRunCreatedOut, 401: E, 403: E, 404: E, 409: E, 422: E, 429: E},
    summary="Run my program against a code lesson's tests (a background job)",
    description=(
        "`mode: run` tries the visible tests, `submit` (the default) every test; passing all "
        "of a submission's tests completes the lesson. Poll GET /code-runs/{id} for results. "
        "Limited per person (429)."
    ),
)
def start_code_run(
    request: HttpRequest, lesson_id: int, payload: CodeRunIn
) -> Status[dict[str, Any]]:
    run = exercises.start_code_run(
        user=current_user(request),
        lesson=catalog_queries.get_lesson(lesson_id),
        code=payload.code,
        mode=payload.mode,
    )
    return Status(202, {"id": run.pk, "status": run.status})


@router.get(
    "/code-runs/{code_run_id}",
    response={200: CodeRunOut, 401: E, 404: E},
    summary="One of my code runs: its status and, once done, each test's verdict",
    description="A hidden test reports only its name, whether it passed and its verdict.",
)
def get_code_run(request: HttpRequest, code_run_id: int) -> dict[str, Any]:
    run = queries.get_code_run(user=current_user(request), code_run_id=code_run_id)
    return {
        "id": run.pk,
        "lesson_id": run.lesson_id,
        "mode": run.mode,
        "status": run.status,
        "passed_all": run.passed_all,
        "error": run.error,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "results": queries.shown_results(run),
    }


# --- assignments -----------------------------------------------------------------------------
def _submission_text(request: HttpRequest) -> tuple[str, Any]:
    """The text (JSON `{text}` or the form field) and the file (multipart `file`)."""
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise DomainError(
                "The request body is not valid JSON.", code="malformed_json", status_code=400
            ) from exc
        if not isinstance(body, dict):
            raise BodyNotAnObject()
        check_text(body)
        try:
            return SubmissionTextIn.model_validate(body).text, None
        except PydanticValidationError as exc:
            raise InvalidInput(fields=validation_fields([dict(e) for e in exc.errors()])) from exc
    return str(request.POST.get("text", "")), request.FILES.get("file")


@router.post(
    "/lessons/{lesson_id}/submissions",
    response={201: SubmissionOut, 400: E, 401: E, 403: E, 404: E, 422: E},
    summary="Hand in work for an assignment: JSON {text}, or multipart with `text` and/or `file`",
    description=(
        "The file is checked by its content (PDF, ZIP, images, MP3, plain text, ...). A "
        "submission after the lesson's due date is accepted and flagged `is_late`."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "text": {"type": "string"},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                },
                "application/json": {"schema": SubmissionTextIn.model_json_schema()},
            }
        }
    },
)
def create_submission(request: HttpRequest, lesson_id: int) -> Status[Any]:
    user = current_user(request)
    lesson = catalog_queries.get_lesson(lesson_id)
    assignments.require_assignment(lesson)
    services.check_progress_rights(user, lesson)
    text, upload = _submission_text(request)
    submission = assignments.submit_assignment(user=user, lesson=lesson, text=text, upload=upload)
    return Status(201, submission)


@router.get(
    "/lessons/{lesson_id}/submissions",
    response={200: list[SubmissionOut], 401: E, 403: E, 404: E},
    summary="An assignment's submissions: learners their own, the course's instructors all",
    description="For instructors, ungraded first, oldest first (the grading queue).",
)
@paginate(PagePagination)
def list_submissions(request: HttpRequest, lesson_id: int) -> Any:
    user = current_user(request)
    lesson = catalog_queries.get_lesson(lesson_id)
    assignments.require_assignment(lesson)
    services.check_progress_rights(user, lesson)
    return queries.submissions_for(user, lesson)


@router.post(
    "/submissions/{submission_id}/grade",
    response={200: SubmissionOut, 401: E, 404: E, 409: E, 422: E},
    summary="Grade a submission once, with points and feedback (the course's instructors)",
    description=(
        "The learner is notified; a grade of the lesson's `pass_points` or more completes "
        "the lesson. Learners and other instructors get 404; a graded one 409."
    ),
)
def grade_submission(request: HttpRequest, submission_id: int, payload: GradeIn) -> Any:
    user = current_user(request)
    submission = queries.get_submission(user=user, submission_id=submission_id)
    return assignments.grade_submission(
        user=user, submission=submission, points=payload.points, feedback=payload.feedback
    )


@router.get(
    "/submissions/{submission_id}/file",
    response={200: None, 401: E, 404: E},
    url_name="learning_submission_file",
    summary="Download a submission's file (its author and the course's instructors)",
)
def submission_file(request: HttpRequest, submission_id: int) -> HttpResponseBase:
    submission = queries.get_submission(user=current_user(request), submission_id=submission_id)
    if not submission.file:
        raise NotFound("This submission has no file.", code=LearningError.SUBMISSION_NOT_FOUND)
    response = FileResponse(
        submission.file.open("rb"),
        as_attachment=True,
        filename=submission.file_name or "submission",
        content_type=submission.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- instructors -----------------------------------------------------------------------------
def _lesson_for_stats(
    request: HttpRequest, lesson_id: int, kind: str, not_that_kind: str, code: LearningError
) -> Lesson:
    """A lesson of `kind` the caller may edit (its instructors and admins), else 404."""
    lesson = catalog_queries.get_lesson_for_editing(user=current_user(request), lesson_id=lesson_id)
    if lesson.type != kind:
        raise NotFound(not_that_kind, code=code)
    return lesson


def _stats_totals(lesson: Lesson, stats: dict[str, Any], tries: str) -> dict[str, Any]:
    """The figures a lesson's statistics start with; `tries` names what learners hand in."""
    return {
        "lesson_id": lesson.pk,
        tries: stats[tries],
        "learners": stats["learners"],
        "learners_passed": stats["learners_passed"],
    }


@router.get(
    "/lessons/{lesson_id}/code/stats",
    response={200: CodeStatsOut, 401: E, 404: E},
    summary="How learners' submissions did on a code lesson, test by test (its instructors)",
)
def code_stats(request: HttpRequest, lesson_id: int) -> dict[str, Any]:
    lesson = _lesson_for_stats(
        request,
        lesson_id,
        LessonType.CODE,
        "This lesson is not a code exercise.",
        LearningError.EXERCISE_NOT_FOUND,
    )
    stats = queries.code_test_statistics(lesson)
    return {
        **_stats_totals(lesson, stats, "submissions"),
        "tests": [
            {
                "name": t.name,
                "hidden": t.hidden,
                "runs": t.runs,
                "passed": t.passed,
                "pass_percent": t.pass_percent,
            }
            for t in stats["tests"]
        ],
    }


@router.get(
    "/lessons/{lesson_id}/quiz/stats",
    response={200: QuizStatsOut, 401: E, 404: E},
    summary="How learners did on a quiz, question by question (its instructors and admins)",
)
def quiz_stats(request: HttpRequest, lesson_id: int) -> dict[str, Any]:
    lesson = _lesson_for_stats(
        request,
        lesson_id,
        LessonType.QUIZ,
        "This lesson has no quiz.",
        LearningError.QUIZ_NOT_FOUND,
    )
    stats = queries.quiz_statistics(lesson)
    return {
        **_stats_totals(lesson, stats, "attempts"),
        "questions": [
            {
                "question_id": s.question.pk,
                "prompt": s.question.prompt,
                "kind": s.question.kind,
                "answered": s.answered,
                "answered_right": s.right,
                "right_percent": s.right_percent,
            }
            for s in stats["questions"]
        ],
    }


class StudentsQuery(Schema):
    q: str = ""


@router.get(
    "/instructor/courses/{course_id}/students",
    response={200: list[StudentOut], 401: E, 404: E},
    summary="A course's learners with their progress (its instructors and admins)",
)
@paginate(PagePagination)
def course_students(
    request: HttpRequest, course_id: int, filters: Query[StudentsQuery]
) -> QuerySet[Enrollment]:
    course = catalog_queries.get_course_for_editing(user=current_user(request), course_id=course_id)
    return queries.course_students(course, search=filters.q.strip())
