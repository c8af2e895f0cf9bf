"""Reads of the learning app, scoped to the person asking."""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.catalog import access
from agora.catalog import queries as catalog_queries
from agora.catalog.errors import EnrollmentRequired
from agora.catalog.models import Course, CourseStatus, Lesson, QuizQuestion
from agora.core.errors import NotFound
from agora.core.prepared import PreparedQuery
from agora.learning.errors import LearningError
from agora.learning.models import (
    CodeRun,
    CodeRunMode,
    CodeRunStatus,
    CourseLearningTime,
    Enrollment,
    EnrollmentSource,
    QuizAnswer,
    QuizAttempt,
    Submission,
)

# Whether a person's subscription gives access right now. Subscriptions live in commerce,
# which depends on learning, so commerce registers its check when it starts.
SubscriptionCheck = Callable[[Any], bool]
_subscription_checks: list[SubscriptionCheck] = []


def register_subscription_check(check: SubscriptionCheck) -> None:
    if check not in _subscription_checks:
        _subscription_checks.append(check)


def subscription_covers(user: Viewer, course: Course) -> bool:
    """Whether the person's subscription gives access to the course now: the instructor
    opted the course in and the subscription's paid period (or grace period) runs."""
    return (
        user.is_authenticated
        and course.in_subscription
        and any(check(user) for check in _subscription_checks)
    )


def has_active_enrollment(user: Viewer, course: Course) -> bool:
    """An enrollment that gives access now; one through a subscription only while the
    subscription does."""
    if not user.is_authenticated:
        return False
    source = active_enrollment_source(user.pk, course.pk)
    return source is not None and gives_access(source, user, course)


def enrollment_source_key(user_id: int, course_id: int) -> str:
    return f"learning:enrollment-source:{user_id}:{course_id}"


def active_enrollment_source(user_id: int, course_id: int) -> str | None:
    """How the person's active enrollment in the course came (None without one). Every lesson
    read and progress check asks: one that is found is remembered for
    PROGRESS_RIGHTS_CACHE_SECONDS, and granting, changing or revoking it forgets it
    (services._forget_rights). Not having one is never remembered, so access given a moment
    ago is seen at once. Whether a subscription still covers the course is asked each time
    (`gives_access`)."""
    key = enrollment_source_key(user_id, course_id)
    source = cache.get(key)
    if source is None:
        source = (
            Enrollment.objects.active()
            .filter(learner_id=user_id, course_id=course_id)
            .values_list("source", flat=True)
            .first()
        )
        if source is not None:
            cache.set(key, source, settings.PROGRESS_RIGHTS_CACHE_SECONDS)
    return source


def gives_access(source: str, user: Viewer, course: Course) -> bool:
    """Whether an active enrollment from `source` lets the person in now: one through a
    subscription only while the subscription does."""
    return source != EnrollmentSource.SUBSCRIPTION or subscription_covers(user, course)


def learning_seconds(*, start: date, end: date, user_ids: Iterable[int]) -> dict[int, int]:
    """Seconds the given people spent learning, per course, on days from `start` up to (not
    including) `end`, in courses they take through a subscription."""
    through_subscription = Enrollment.objects.filter(
        source=EnrollmentSource.SUBSCRIPTION,
        learner_id=OuterRef("user_id"),
        course_id=OuterRef("course_id"),
    )
    rows = (
        CourseLearningTime.objects.filter(day__gte=start, day__lt=end, user_id__in=list(user_ids))
        .filter(Exists(through_subscription))
        .values("course_id")
        .annotate(total=Sum("seconds"))
        .order_by()
    )
    return {row["course_id"]: int(row["total"]) for row in rows if row["total"]}


def course_has_learners(course: Course) -> bool:
    """Whether anyone ever enrolled: such a course is archived, never destroyed."""
    return Enrollment.objects.filter(course=course).exists()


_ACTIVE_ENROLLMENT = PreparedQuery(
    lambda learner_id, course_id: Enrollment.objects.filter(
        learner_id=learner_id, course_id=course_id, revoked_at__isnull=True
    ),
    int,
    int,
)


def active_enrollment(user: Viewer, course: Course) -> Enrollment | None:
    """The person's enrollment in the course, unless revoked (one at most)."""
    if not user.is_authenticated:
        return None
    return _ACTIVE_ENROLLMENT.first(user.pk, course.pk)


def percent_done(done: int, total: int) -> int:
    """Course progress in whole percent: rounded down, and 100 only when every lesson is
    done."""
    if not total:
        return 0
    return 100 if done >= total else min(99, done * 100 // total)


def progress_percent(learner: User, course: Course) -> int:
    """The learner's progress in the course as last recorded (0 when not enrolled)."""
    value = (
        Enrollment.objects.filter(learner=learner, course=course)
        .values_list("progress_percent", flat=True)
        .first()
    )
    return value or 0


def my_enrollments(user: User) -> QuerySet[Enrollment]:
    """The courses the user is enrolled in, the most recently studied first."""
    return _my_enrollments(user.pk).select_related("course", "course__owner")


def _my_enrollments(learner_id: int) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.active()
        .filter(learner_id=learner_id)
        .order_by(F("last_activity_at").desc(nulls_last=True), "-created_at", "-id")
    )


# The API's answer, compiled to SQL once: building and compiling it cost more than running it.
MY_ENROLLMENT_COLUMNS = (
    "course_id",
    "course__slug",
    "course__title",
    "progress_percent",
    "created_at",
    "completed_at",
    "last_lesson_id",
    "last_activity_at",
    "source",
)
_MY_ENROLLMENT_ROWS = PreparedQuery(
    lambda learner_id: _my_enrollments(learner_id).values_list(*MY_ENROLLMENT_COLUMNS), int
)


def my_enrollment_rows(user: User) -> list[dict[str, Any]]:
    """`my_enrollments` as `EnrollmentOut` values, read in one narrow query (the API's
    answer, built without a model instance or a resolver per field)."""
    rows = _MY_ENROLLMENT_ROWS.rows(user.pk)
    return [
        {
            "course": {"id": course_id, "slug": slug, "title": title},
            "progress_percent": percent,
            "enrolled_at": created_at,
            "completed_at": completed_at,
            "last_lesson_id": last_lesson_id,
            "last_activity_at": last_activity_at,
            "source": source,
        }
        for (
            course_id,
            slug,
            title,
            percent,
            created_at,
            completed_at,
            last_lesson_id,
            last_activity_at,
            source,
        ) in rows
    ]


def get_course_for_learning(*, user: Viewer, key: str | int) -> Course:
    """A course the user may study: enrolled, or one of its instructors or an admin."""
    course = catalog_queries.get_course_for_viewer(user=user, key=key)
    if not access.can_read_lessons(user, course):
        raise EnrollmentRequired("Enroll in this course to study it.")
    return course


# --- quizzes ---------------------------------------------------------------------------------
def quiz_questions_for(user: Viewer, lesson: Lesson) -> list[QuizQuestion]:
    """The questions in the order this learner sees them: shuffled quizzes keep one order per
    learner, so a reload does not reshuffle."""
    questions = list(lesson.questions.all())
    if lesson.shuffle_questions:
        # An order, not a secret: the same learner sees the same order on every visit.
        random.Random(f"{lesson.pk}:{getattr(user, 'pk', 0)}").shuffle(questions)  # noqa: S311
    return questions


@dataclass
class QuizStanding:
    attempts_used: int
    best_score: int | None
    passed: bool
    attempts_left: int | None


def quiz_standing(user: User, lesson: Lesson) -> QuizStanding:
    summary = QuizAttempt.objects.filter(user=user, lesson=lesson).aggregate(
        used=Count("id"), best=Max("score"), passes=Count("id", filter=Q(passed=True))
    )
    used = summary["used"] or 0
    left = None
    if lesson.max_attempts is not None and not access.can_edit_course(user, lesson.module.course):
        left = max(0, lesson.max_attempts - used)
    return QuizStanding(used, summary["best"], bool(summary["passes"]), left)


def my_attempts(user: User, lesson: Lesson) -> QuerySet[QuizAttempt]:
    return QuizAttempt.objects.filter(user=user, lesson=lesson).order_by("-created_at", "-id")


@dataclass
class QuestionStat:
    question: QuizQuestion
    answered: int
    right: int

    @property
    def right_percent(self) -> int:
        return self.right * 100 // self.answered if self.answered else 0


def quiz_statistics(lesson: Lesson) -> dict[str, Any]:
    """For the course's instructors: attempts, pass rate and how many got each question
    right. Two queries whatever the size of the quiz."""
    attempts = QuizAttempt.objects.filter(lesson=lesson).aggregate(
        attempts=Count("id"),
        learners=Count("user", distinct=True),
        passed=Count("user", distinct=True, filter=Q(passed=True)),
    )
    counts: dict[int, Any] = {
        row["question_id"]: row
        for row in QuizAnswer.objects.filter(attempt__lesson=lesson)
        .values("question_id")
        .annotate(answered=Count("id"), right=Count("id", filter=Q(correct=True)))
    }
    return {
        "attempts": attempts["attempts"],
        "learners": attempts["learners"],
        "learners_passed": attempts["passed"],
        "questions": [
            QuestionStat(
                question,
                counts.get(question.pk, {}).get("answered", 0),
                counts.get(question.pk, {}).get("right", 0),
            )
            for question in lesson.questions.all()
        ],
    }


# --- instructors -----------------------------------------------------------------------------
def course_students(course: Course, *, search: str = "") -> QuerySet[Enrollment]:
    """Everyone enrolled in the course with their progress, for its instructors."""
    students = Enrollment.objects.filter(course=course).select_related("learner", "last_lesson")
    if search:
        students = students.filter(
            Q(learner__name__icontains=search[:100]) | Q(learner__email__icontains=search[:100])
        )
    return students.order_by("-created_at", "-id")


def active_learners(course: Course) -> QuerySet[User]:
    """The people with an active enrollment in the course (who hear its announcements)."""
    learner_ids = Enrollment.objects.active().filter(course=course).values("learner_id")
    return User.objects.filter(pk__in=learner_ids, is_active=True)


# --- recommendations -------------------------------------------------------------------------
ALSO_ENROLLED_SECONDS = 3600
ALSO_ENROLLED_KEPT = 12


def _also_enrolled_ids(course: Course) -> list[int]:
    """The courses the learners of `course` enrolled in most, computed once an hour per
    course (it reads their enrollments)."""

    def compute() -> list[int]:
        learners = Enrollment.objects.active().filter(course=course).values("learner_id")
        rows = (
            Enrollment.objects.active()
            .filter(learner_id__in=learners, course__status=CourseStatus.PUBLISHED)
            .exclude(course=course)
            .values("course_id")
            .annotate(shared=Count("id"))
            .order_by("-shared", "course_id")[:ALSO_ENROLLED_KEPT]
        )
        return [row["course_id"] for row in rows]

    ids = cache.get_or_set(f"also-enrolled:{course.pk}", compute, ALSO_ENROLLED_SECONDS)
    return list(ids or [])


def also_enrolled(
    course: Course, *, limit: int = 4, excluding: set[int] | None = None
) -> list[Course]:
    """Published courses the learners of `course` also enrolled in ("learners also took"),
    the most shared first."""
    ids = [pk for pk in _also_enrolled_ids(course) if pk not in (excluding or set())]
    courses = Course.objects.filter(pk__in=ids, status=CourseStatus.PUBLISHED).select_related(
        "owner", "category"
    )
    found = {c.pk: c for c in courses}
    return [found[pk] for pk in ids if pk in found][:limit]


def because_you_enrolled(user: User, *, limit: int = 4) -> tuple[Course, list[Course]] | None:
    """For the signed-in home: the learner's latest course and what its learners also took
    (without the courses the learner has already)."""
    latest = my_enrollments(user).first()
    if latest is None:
        return None
    owned = set(
        Enrollment.objects.active().filter(learner=user).values_list("course_id", flat=True)
    )
    picks = also_enrolled(latest.course, limit=limit, excluding=owned)
    return (latest.course, picks) if picks else None


# --- code exercises --------------------------------------------------------------------------
def get_code_run(*, user: User, code_run_id: int) -> CodeRun:
    """One of the person's own code runs; anyone else's is 404 (instructors see figures,
    not learners' programs)."""
    run = CodeRun.objects.filter(pk=code_run_id, user=user).first()
    if run is None:
        raise NotFound("There is no such code run.", code=LearningError.CODE_RUN_NOT_FOUND)
    return run


def shown_results(run: CodeRun) -> list[dict[str, Any]]:
    """A run's per-test results as its author sees them: a hidden test shows only its name,
    whether it passed and its verdict (never its input, output or errors)."""
    shown = []
    for result in run.results:
        if result.get("hidden"):
            shown.append(
                {
                    "name": result["name"],
                    "hidden": True,
                    "passed": result["passed"],
                    "verdict": result["verdict"],
                    "stdout": None,
                    "stderr": None,
                    "time_ms": None,
                }
            )
        else:
            shown.append({**result, "hidden": False})
    return shown


@dataclass
class CodeTestStat:
    name: str
    hidden: bool
    runs: int
    passed: int

    @property
    def pass_percent(self) -> int:
        return self.passed * 100 // self.runs if self.runs else 0


def code_test_statistics(lesson: Lesson) -> dict[str, Any]:
    """For the course's instructors: over finished submissions, how often each of the
    lesson's current tests passed, and how many learners passed them all."""
    submissions = CodeRun.objects.filter(
        lesson=lesson, mode=CodeRunMode.SUBMIT, status=CodeRunStatus.DONE, error=""
    )
    totals = submissions.aggregate(
        runs=Count("id"),
        learners=Count("user", distinct=True),
        passed=Count("user", distinct=True, filter=Q(passed_all=True)),
    )
    stats = {
        test["name"]: CodeTestStat(test["name"], bool(test.get("hidden")), 0, 0)
        for test in lesson.code_tests or []
    }
    for results in submissions.values_list("results", flat=True).iterator():
        for result in results:
            stat = stats.get(result.get("name"))
            if stat is not None:
                stat.runs += 1
                stat.passed += bool(result.get("passed"))
    return {
        "submissions": totals["runs"],
        "learners": totals["learners"],
        "learners_passed": totals["passed"],
        "tests": list(stats.values()),
    }


# --- assignments -----------------------------------------------------------------------------
def submissions_for(user: User, lesson: Lesson) -> QuerySet[Submission]:
    """The course's instructors and admins see every submission (ungraded first, oldest
    first: the grading queue); anyone else their own, newest first."""
    rows = Submission.objects.filter(lesson=lesson).select_related("user", "lesson")
    if access.can_edit_course(user, lesson.module.course):
        return rows.order_by(F("graded_at").asc(nulls_first=True), "submitted_at", "id")
    return rows.filter(user=user).order_by("-submitted_at", "-id")


def get_submission(*, user: User, submission_id: int) -> Submission:
    """A submission its author or the course's instructors may see; otherwise 404."""
    submission = (
        Submission.objects.select_related("user", "lesson__module__course")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or (
        submission.user_id != user.pk
        and not access.can_edit_course(user, submission.lesson.module.course)
    ):
        raise NotFound("There is no such submission.", code=LearningError.SUBMISSION_NOT_FOUND)
    return submission


def grading_queue(course: Course) -> QuerySet[Submission]:
    """A course's ungraded submissions, oldest first."""
    return (
        Submission.objects.filter(lesson__module__course=course, graded_at__isnull=True)
        .select_related("user", "lesson")
        .order_by("submitted_at", "id")
    )
