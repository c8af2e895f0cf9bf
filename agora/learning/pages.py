"""The pages where people learn: "My learning", the course player and the instructor's
students page. They call the same services and queries as the API."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from agora.accounts.models import User
from agora.catalog import access
from agora.catalog import queries as catalog_queries
from agora.catalog.errors import EnrollmentRequired
from agora.catalog.models import Course, Lesson, LessonType
from agora.core.errors import Conflict, InvalidInput, NotFound, RateLimited
from agora.core.htmx import is_htmx
from agora.core.pagination import page_from_request
from agora.learning import assignments, exercises, queries, services
from agora.learning.models import CodeRun, CodeRunMode, CodeRunStatus
from agora.learning.progress import CourseProgress, course_progress

STUDENTS_PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # behind login_required


def _course_for_learning(request: HttpRequest, slug: str) -> Course | HttpResponse:
    """The course if the user may study it; otherwise where they should go instead."""
    try:
        return queries.get_course_for_learning(user=request.user, key=slug)
    except EnrollmentRequired:
        messages.info(request, "Enroll in this course to open its lessons.")
        return redirect("course_detail", slug=slug)


# --- my learning -----------------------------------------------------------------------------
@login_required
@require_GET
def my_learning(request: HttpRequest) -> HttpResponse:
    enrollments = list(queries.my_enrollments(_user(request)))
    return render(
        request,
        "learning/pages/my_learning.html",
        {
            "in_progress": [e for e in enrollments if e.completed_at is None],
            "completed": [e for e in enrollments if e.completed_at is not None],
        },
    )


# --- the player ------------------------------------------------------------------------------
@login_required
@require_GET
def learn_course(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_for_learning(request, slug)
    if isinstance(course, HttpResponse):
        return course
    progress = course_progress(user=_user(request), course=course)
    lesson = progress.next_lesson()
    if lesson is None:
        return render(request, "learning/pages/player_empty.html", {"course": course})
    return redirect("learn_lesson", slug=course.slug, lesson_id=lesson.pk)


def _lesson_in(progress: CourseProgress, lesson_id: int) -> Lesson:
    state = progress.state_of(lesson_id)
    if state is None:
        raise Http404("There is no such lesson in this course.")
    return state.lesson


def _player_context(
    request: HttpRequest, course: Course, progress: CourseProgress
) -> dict[str, Any]:
    return {
        "course": course,
        "progress": progress,
        "can_edit": access.can_edit_course(request.user, course),
    }


def _quiz_context(user: User, lesson: Lesson) -> dict[str, Any]:
    return {
        "questions": queries.quiz_questions_for(user, lesson),
        "standing": queries.quiz_standing(user, lesson),
    }


@login_required
@require_GET
def learn_lesson(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    course = _course_for_learning(request, slug)
    if isinstance(course, HttpResponse):
        return course
    if slug != course.slug:
        return redirect("learn_lesson", slug=course.slug, lesson_id=lesson_id)
    progress = course_progress(user=_user(request), course=course)
    lesson = _lesson_in(progress, lesson_id)
    services.record_visit(user=request.user, lesson=lesson)
    previous, following = progress.neighbours(lesson.pk)
    context = {
        **_player_context(request, course, progress),
        "lesson": lesson,
        "state": progress.state_of(lesson.pk),
        "previous": previous,
        "next": following,
        "resources": list(lesson.resources.all()),
    }
    if lesson.type == LessonType.VIDEO:
        context["media"] = catalog_queries.lesson_media_urls(request.user, lesson)
    if lesson.type == LessonType.QUIZ:
        context.update(_quiz_context(_user(request), lesson))
    if lesson.type == LessonType.CODE:
        context.update(_code_context(_user(request), lesson))
    if lesson.type == LessonType.ASSIGNMENT:
        context["submissions"] = list(queries.submissions_for(_user(request), lesson)[:20])
        context["now"] = timezone.now()
    return render(request, "learning/pages/player.html", context)


def _code_context(user: User, lesson: Lesson) -> dict[str, Any]:
    last = CodeRun.objects.filter(user=user, lesson=lesson).order_by("-created_at", "-id").first()
    tests = list(lesson.code_tests or [])
    return {
        "visible_tests": [t for t in tests if not t.get("hidden")],
        "hidden_test_count": sum(1 for t in tests if t.get("hidden")),
        "code": last.code if last else lesson.starter_code,
        "is_runnable": lesson.is_runnable_exercise,
    }


def _lesson_for_action(request: HttpRequest, slug: str, lesson_id: int) -> tuple[Course, Lesson]:
    course = queries.get_course_for_learning(user=request.user, key=slug)
    lesson = catalog_queries.get_lesson(lesson_id)
    if lesson.module.course_id != course.pk:
        raise Http404("There is no such lesson in this course.")
    return course, lesson


def _progress_fragments(
    request: HttpRequest, course: Course, lesson: Lesson, *, template: str, extra: dict[str, Any]
) -> HttpResponse:
    """An htmx answer: the part that changed plus the sidebar and progress bar (swapped out of
    band), all from the progress as it is now."""
    progress = course_progress(user=_user(request), course=course)
    context = {
        **_player_context(request, course, progress),
        "lesson": lesson,
        "state": progress.state_of(lesson.pk),
        "next": progress.neighbours(lesson.pk)[1],
        "oob": True,
        **extra,
    }
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def complete_lesson(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    course, lesson = _lesson_for_action(request, slug, lesson_id)
    try:
        result = services.complete_lesson(user=_user(request), lesson=lesson)
    except Conflict as error:  # a quiz not passed yet
        messages.warning(request, error.message)
        return redirect("learn_lesson", slug=course.slug, lesson_id=lesson.pk)
    if is_htmx(request):
        return _progress_fragments(
            request,
            course,
            lesson,
            template="learning/pages/partials/completed.html",
            extra={"course_completed": result.course_completed},
        )
    if result.course_completed:
        messages.success(request, "You completed the course. Well done!")
    following = course_progress(user=_user(request), course=course).neighbours(lesson.pk)[1]
    target = following or lesson
    return redirect("learn_lesson", slug=course.slug, lesson_id=target.pk)


@login_required
@require_POST
def save_position(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    _course, lesson = _lesson_for_action(request, slug, lesson_id)
    try:
        seconds = int(request.POST.get("seconds", ""))
        spent = int(request.POST.get("spent_seconds", "0") or 0)
    except ValueError:
        return HttpResponse("seconds must be a whole number.", status=400)
    try:
        services.save_position(
            user=_user(request), lesson=lesson, seconds=seconds, spent_seconds=spent
        )
    except InvalidInput as error:
        return HttpResponse(error.message, status=400)
    return HttpResponse(status=204)


def _answers_from(request: HttpRequest, lesson: Lesson) -> list[dict[str, Any]]:
    """The quiz form's fields (`q<id>` holding option indexes or the blank's text) as the
    service's answers. Unanswered questions are left out: they count as wrong."""
    answers: list[dict[str, Any]] = []
    for question in lesson.questions.all():
        name = f"q{question.pk}"
        if question.kind == "fill_blank":
            text = request.POST.get(name, "")
            if text.strip():
                answers.append({"question_id": question.pk, "text": text[:500]})
            continue
        values = request.POST.getlist(name)
        try:
            selected = [int(value) for value in values[:50]]
        except ValueError:
            selected = [-1]  # the service refuses it with a clear message
        if selected:
            answers.append({"question_id": question.pk, "selected": selected})
    return answers


@login_required
@require_POST
def submit_quiz(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    course, lesson = _lesson_for_action(request, slug, lesson_id)
    if lesson.type != LessonType.QUIZ:
        raise Http404("This lesson has no quiz.")
    extra: dict[str, Any] = {}
    try:
        result = services.submit_quiz(
            user=_user(request), lesson=lesson, answers=_answers_from(request, lesson)
        )
        questions = {q.pk: q for q in lesson.questions.all()}
        extra["result"] = result
        extra["graded"] = [(questions[r.question_id], r) for r in result.results]
    except (Conflict, InvalidInput) as error:
        extra["error"] = error.message
    extra.update(_quiz_context(_user(request), lesson))
    if not is_htmx(request):
        if "error" in extra:
            messages.error(request, extra["error"])
        elif extra["result"].attempt.passed:
            messages.success(request, f"Passed with {extra['result'].attempt.score}%.")
        else:
            messages.warning(request, f"{extra['result'].attempt.score}%: not passed yet.")
        return redirect("learn_lesson", slug=course.slug, lesson_id=lesson.pk)
    return _progress_fragments(
        request, course, lesson, template="learning/pages/partials/quiz_result.html", extra=extra
    )


# --- code exercises --------------------------------------------------------------------------
VERDICT_LABELS = {
    "ok": "passed",
    "wrong_answer": "wrong answer",
    "time_limit": "time limit exceeded",
    "memory_limit": "memory limit exceeded",
    "runtime_error": "runtime error",
    "output_limit": "output limit exceeded",
}


def _labelled(run: CodeRun) -> list[dict[str, Any]]:
    return [
        {**result, "label": VERDICT_LABELS.get(result["verdict"], result["verdict"])}
        for result in queries.shown_results(run)
    ]


def _code_run_fragment(request: HttpRequest, run: CodeRun | None, **extra: Any) -> HttpResponse:
    context: dict[str, Any] = {"run": run, **extra}
    if run is not None:
        context["results"] = _labelled(run)
        context["polling"] = run.status != CodeRunStatus.DONE
    response = render(request, "learning/pages/partials/code_run.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def start_code_run(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    _course, lesson = _lesson_for_action(request, slug, lesson_id)
    mode = request.POST.get("mode", CodeRunMode.SUBMIT)
    try:
        run = exercises.start_code_run(
            user=_user(request), lesson=lesson, code=request.POST.get("code", ""), mode=mode
        )
    except (Conflict, InvalidInput, RateLimited, NotFound) as error:
        fields = getattr(error, "fields", None) or {}
        message = " ".join(" ".join(v) for v in fields.values()) or error.message
        return _code_run_fragment(request, None, error=message)
    return _code_run_fragment(request, run)


@login_required
@require_GET
def code_run_status(request: HttpRequest, code_run_id: int) -> HttpResponse:
    try:
        run = queries.get_code_run(user=_user(request), code_run_id=code_run_id)
    except NotFound as missing:
        raise Http404(missing.message) from missing
    if run.status == CodeRunStatus.DONE and run.passed_all and run.mode == CodeRunMode.SUBMIT:
        lesson = catalog_queries.get_lesson(run.lesson_id)
        course = lesson.module.course
        return _progress_fragments(
            request,
            course,
            lesson,
            template="learning/pages/partials/code_run_done.html",
            extra={
                "run": run,
                "results": _labelled(run),
                "polling": False,
            },
        )
    return _code_run_fragment(request, run)


# --- assignments -----------------------------------------------------------------------------
@login_required
@require_POST
def submit_assignment(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    course, lesson = _lesson_for_action(request, slug, lesson_id)
    try:
        submission = assignments.submit_assignment(
            user=_user(request),
            lesson=lesson,
            text=request.POST.get("text", ""),
            upload=request.FILES.get("file"),
        )
    except (InvalidInput, NotFound) as error:
        fields = getattr(error, "fields", None) or {}
        messages.error(request, " ".join(" ".join(v) for v in fields.values()) or error.message)
    else:
        late = " It is after the due date, so it is marked late." if submission.is_late else ""
        messages.success(request, f"Your work was handed in.{late}")
    return redirect("learn_lesson", slug=course.slug, lesson_id=lesson.pk)


@login_required
@require_GET
def submission_file(request: HttpRequest, submission_id: int) -> FileResponse:
    """A submission's file, for its author and the course's instructors (others: 404)."""
    try:
        submission = queries.get_submission(user=_user(request), submission_id=submission_id)
    except NotFound as missing:
        raise Http404(missing.message) from missing
    if not submission.file:
        raise Http404("This submission has no file.")
    response = FileResponse(
        submission.file.open("rb"),
        as_attachment=True,
        filename=submission.file_name or "submission",
        content_type=submission.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def grading_queue(request: HttpRequest, course_id: int) -> HttpResponse:
    course = catalog_queries.get_course_for_editing(user=request.user, course_id=course_id)
    page = page_from_request(request, queries.grading_queue(course), page_size=STUDENTS_PAGE_SIZE)
    return render(request, "learning/pages/grading.html", {"course": course, "page": page})


@login_required
@require_POST
def grade_submission(request: HttpRequest, submission_id: int) -> HttpResponse:
    try:
        submission = queries.get_submission(user=_user(request), submission_id=submission_id)
    except NotFound as missing:
        raise Http404(missing.message) from missing
    course_id = submission.lesson.module.course_id
    try:
        points = int(request.POST.get("points", ""))
    except ValueError:
        messages.error(request, "Give the points as a whole number.")
        return redirect("grading_queue", course_id=course_id)
    try:
        assignments.grade_submission(
            user=_user(request),
            submission=submission,
            points=points,
            feedback=request.POST.get("feedback", ""),
        )
    except NotFound as hidden:  # its author, who may see it but not grade it
        raise Http404(hidden.message) from hidden
    except (InvalidInput, Conflict) as error:
        fields = getattr(error, "fields", None) or {}
        messages.error(request, " ".join(" ".join(v) for v in fields.values()) or error.message)
    else:
        learner = submission.user.name or submission.user.email
        messages.success(request, f"Graded “{submission.lesson.title}” by {learner}: {points}.")
    return redirect("grading_queue", course_id=course_id)


# --- instructors -----------------------------------------------------------------------------
@login_required
@require_GET
def course_students(request: HttpRequest, course_id: int) -> HttpResponse:
    course = catalog_queries.get_course_for_editing(user=request.user, course_id=course_id)
    search = request.GET.get("q", "").strip()[:100]
    students = page_from_request(
        request, queries.course_students(course, search=search), page_size=STUDENTS_PAGE_SIZE
    )
    quizzes = [
        (lesson, queries.quiz_statistics(lesson))
        for module in catalog_queries.curriculum(course)
        for lesson in module.lessons.all()
        if lesson.type == LessonType.QUIZ
    ]
    exercises_stats = [
        (lesson, queries.code_test_statistics(lesson))
        for module in catalog_queries.curriculum(course)
        for lesson in module.lessons.all()
        if lesson.type == LessonType.CODE and lesson.code_tests
    ]
    return render(
        request,
        "learning/pages/students.html",
        {
            "course": course,
            "page": students,
            "search": search,
            "quizzes": quizzes,
            "exercises": exercises_stats,
        },
    )
