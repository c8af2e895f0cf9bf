"""Enrollments, progress and quizzes: every write of the learning app.

Progress is recorded per person and lesson (LessonProgress). The enrollment keeps the
course-level summary — percent, last lesson, completion — and every change to it happens
under the enrollment's row lock, so two devices completing lessons at the same moment never
lose an update and the course is completed (and its certificate issued) exactly once.
"""

from dataclasses import astuple, dataclass, field, fields
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Func, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.catalog import access
from agora.catalog import queries as catalog_queries
from agora.catalog import services as catalog_services
from agora.catalog.errors import EnrollmentRequired
from agora.catalog.models import Course, Lesson, LessonType, QuestionKind, QuizQuestion
from agora.core.errors import Conflict, InvalidInput, NotFound
from agora.core.events import emit
from agora.core.inserts import insert_new
from agora.core.mail import queue_templated_email
from agora.core.schemas import INT32_MAX
from agora.learning import events, positions, queries
from agora.learning.certificates import services as certificates
from agora.learning.errors import LearningError, PaymentRequired
from agora.learning.models import (
    CodeRun,
    CodeRunMode,
    Enrollment,
    EnrollmentSource,
    LessonProgress,
    QuizAnswer,
    QuizAttempt,
    Submission,
)

MAX_POSITION_SECONDS = 24 * 3600
# How much watching time one position report may add: players report every few seconds,
# so a bigger jump is a seek or a tab left open, not time spent.
MAX_SPENT_PER_REPORT = 120


# --- enrollments -----------------------------------------------------------------------------
def grant_enrollment(*, learner: User, course: Course, source: str) -> Enrollment:
    """Gives the learner access to the course exactly once; a revoked enrollment comes back.
    Safe to call twice or concurrently."""
    return _grant(learner=learner, course=course, source=source)[0]


def _grant(*, learner: User, course: Course, source: str) -> tuple[Enrollment, bool]:
    """The enrollment, and whether this call gave the access (False when it was there)."""
    if source not in EnrollmentSource.values:
        raise ValueError(f"unknown enrollment source {source!r}")
    with transaction.atomic():
        existing = Enrollment.objects.select_for_update().filter(learner=learner, course=course)
        enrollment = existing.first()
        if enrollment is not None:
            if enrollment.revoked_at is None:
                if (
                    enrollment.source == EnrollmentSource.SUBSCRIPTION
                    and source != EnrollmentSource.SUBSCRIPTION
                ):
                    # Bought (or granted) after taking it through a subscription: the
                    # access no longer depends on the subscription.
                    existing.update(source=source)
                    enrollment.source = source
                    _forget_rights_on_commit(learner.pk, course)
                return enrollment, False
            existing.update(revoked_at=None, source=source)
            _forget_rights_on_commit(learner.pk, course)
            enrollment.refresh_from_db()
            # Bought again after a refund: a course completed before is still completed.
            certificates.reinstate_certificate(enrollment)
            catalog_services.adjust_enrollments(course=course, by=1)
            return enrollment, True
        try:
            with transaction.atomic():
                enrollment = Enrollment.objects.create(
                    learner=learner, course=course, source=source
                )
        except IntegrityError:  # a concurrent call enrolled first
            return Enrollment.objects.get(learner=learner, course=course), False
        catalog_services.adjust_enrollments(course=course, by=1)
    return enrollment, True


def revoke_enrollment(*, learner: User, course: Course) -> bool:
    """Ends the learner's access (a refund, a lost dispute) and revokes the certificate;
    the rows stay for history. Returns whether an active enrollment was revoked."""
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update()
            .filter(learner=learner, course=course, revoked_at__isnull=True)
            .first()
        )
        if enrollment is None:
            return False
        enrollment.revoked_at = timezone.now()
        enrollment.save(update_fields=["revoked_at"])
        _forget_rights_on_commit(learner.pk, course)
        certificates.revoke_certificate(enrollment)
        emit(events.ENROLLMENT_REVOKED, user=learner, course=course)
        catalog_services.adjust_enrollments(course=course, by=-1)
    return True


def enroll_free(*, learner: User, course: Course) -> tuple[Enrollment, bool]:
    """Enrolls the learner in a free, published course. Returns the enrollment and whether
    it is new; enrolling again changes nothing."""
    if not course.is_published:
        raise NotFound("There is no such course.", code=LearningError.COURSE_NOT_FOUND)
    if access.is_course_instructor(learner, course):
        raise Conflict(
            "You teach this course: it is open to you already.", code=LearningError.OWN_COURSE
        )
    current = Enrollment.objects.active().filter(learner=learner, course=course).first()
    if current is not None and queries.has_active_enrollment(learner, course):
        return current, False
    source = EnrollmentSource.FREE
    if course.price > 0:
        if not queries.subscription_covers(learner, course):
            raise PaymentRequired()
        source = EnrollmentSource.SUBSCRIPTION
    with transaction.atomic():
        enrollment, created = _grant(learner=learner, course=course, source=source)
        if created:
            queue_templated_email(
                to=learner.email,
                template="learning/email/enrolled",
                context={"learner": learner, "course": course},
            )
    return enrollment, created


# --- progress --------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompletionResult:
    progress_percent: int
    course_completed: bool


_ENROLL_TO_RECORD = "Enroll in this course to record your progress."


def check_progress_rights(user: User, lesson: Lesson) -> None:
    """404 or 403 enrollment_required unless the user may record progress in the lesson, as
    its course's learner or as one of its instructors or an admin. Reads no enrollment row:
    `lock_enrollment` is for the writes that need it."""
    progress_as_learner(user, lesson.module.course)


def lock_enrollment(user: User, lesson: Lesson) -> Enrollment | None:
    """`locked_enrollment` in the lesson's course for a user who may record progress in it
    (None for its instructors and admins, who may go through it too). Others get 404 or 403
    enrollment_required, the same answers as reading the lesson."""
    course = lesson.module.course
    if not progress_as_learner(user, course):
        return None
    enrollment = locked_enrollment(user, course)
    if enrollment is None and not access.can_edit_course(user, course):
        raise EnrollmentRequired(_ENROLL_TO_RECORD)  # revoked a moment ago
    return enrollment


def locked_enrollment(learner: User, course: Course) -> Enrollment | None:
    """The learner's active enrollment in the course (None without one), its row locked
    until the transaction ends: every write to a learner's progress in a course takes this
    lock first, so they queue."""
    # Only the enrollment's row: the course's and the learner's stay free for other writers.
    enrollment = (
        Enrollment.objects.active()
        .select_for_update(of=("self",))
        .filter(learner=learner, course=course)
        .first()
    )
    if enrollment is not None:
        enrollment.learner, enrollment.course = learner, course
    return enrollment


def progress_as_learner(user: User, course: Course) -> bool:
    """Whether the user records progress in the course as its learner (True) or goes
    through it as one of its instructors or an admin (False); 404 or 403
    enrollment_required for everyone else. An enrollment through a subscription counts
    while the subscription covers the course."""
    if not access.can_view_course(user, course):
        raise NotFound("There is no such lesson.", code=LearningError.LESSON_NOT_FOUND)
    if queries.has_active_enrollment(user, course):
        return True
    if access.can_edit_course(user, course):
        return False
    raise EnrollmentRequired(_ENROLL_TO_RECORD)


# The progress row gets its completion time unless it has one: the id comes back only
# when this statement completed the lesson (inserted the row, or set the time).
_FIRST_COMPLETION = (
    "(user_id, lesson_id) DO UPDATE SET completed_at = excluded.completed_at"
    " WHERE row.completed_at IS NULL"
)


def _complete_progress(user: User, lesson: Lesson) -> bool:
    """Records the lesson done (its progress row created when missing) in one statement;
    whether this call did (False: it was done before)."""
    now = timezone.now()
    completed = insert_new(
        LessonProgress,
        on_conflict=_FIRST_COMPLETION,
        user=user,
        lesson=lesson,
        course_id=lesson.module.course_id,
        completed_at=now,
        started_at=now,
    )
    return completed is not None


def _counted(rows: QuerySet[Any]) -> Coalesce:
    """How many rows `rows` has, as a column of another query."""
    return Coalesce(
        Subquery(rows.order_by().annotate(n=Func("pk", function="COUNT")).values("n")), 0
    )


def course_percent(*, user: User, course: Course) -> tuple[int, int, int]:
    """(percent, lessons done, lessons in the course), counted now (one query). 100 only
    when every lesson is done."""
    done = LessonProgress.objects.filter(
        user=user,
        course=OuterRef("pk"),
        completed_at__isnull=False,
        lesson__module__course=OuterRef("pk"),
    )
    done_count, total = (
        Course.objects.filter(pk=course.pk)
        .annotate(
            done=_counted(done),
            total=_counted(Lesson.objects.filter(module__course=OuterRef("pk"))),
        )
        .values_list("done", "total")
        .get()
    )
    return queries.percent_done(done_count, total), done_count, total


def _mark_studied(enrollments: QuerySet[Enrollment], lesson: Lesson) -> None:
    """The lesson becomes where "continue" takes the learner (no recount: nothing was
    completed)."""
    enrollments.update(last_lesson=lesson, last_activity_at=timezone.now())


def _refresh_enrollment(enrollment: Enrollment, *, lesson: Lesson) -> bool:
    """Recounts the enrollment's progress (its row is locked by the caller); completes the
    course and issues the certificate the first time every lesson is done. Returns whether
    the course is completed."""
    now = timezone.now()
    percent, done, total = course_percent(user=enrollment.learner, course=enrollment.course)
    enrollment.progress_percent = percent
    enrollment.last_activity_at = now
    enrollment.last_lesson = lesson
    fields = ["progress_percent", "last_activity_at", "last_lesson"]
    newly_completed = total > 0 and done >= total and enrollment.completed_at is None
    if newly_completed:
        enrollment.completed_at = now
        fields.append("completed_at")
    enrollment.save(update_fields=fields)
    if newly_completed:
        certificates.issue_certificate(enrollment)
        emit(events.COURSE_COMPLETED, user=enrollment.learner, course=enrollment.course)
    return enrollment.completed_at is not None


def complete_lesson(*, user: User, lesson: Lesson) -> CompletionResult:
    """Marks the lesson done (idempotent). A quiz lesson is done only once passed."""
    with transaction.atomic():
        enrollment = lock_enrollment(user, lesson)
        if lesson.type == LessonType.QUIZ and not _has_passed(user, lesson):
            raise Conflict(
                "Pass the quiz to complete this lesson (POST .../quiz/attempts).",
                code=LearningError.QUIZ_NOT_PASSED,
            )
        if lesson.type == LessonType.ASSIGNMENT and not _has_passed_assignment(user, lesson):
            raise Conflict(
                "This assignment is completed by a passing grade on a submission.",
                code=LearningError.ASSIGNMENT_NOT_PASSED,
            )
        if lesson.is_runnable_exercise and not _has_passed_exercise(user, lesson):
            raise Conflict(
                "Submit code that passes every test to complete this lesson (POST .../code/runs).",
                code=LearningError.EXERCISE_NOT_PASSED,
            )
        return _mark_complete(user=user, lesson=lesson, enrollment=enrollment)


def _has_passed_assignment(user: User, lesson: Lesson) -> bool:
    return Submission.objects.filter(
        user=user, lesson=lesson, graded_at__isnull=False, points__gte=lesson.pass_points or 0
    ).exists()


def _has_passed_exercise(user: User, lesson: Lesson) -> bool:
    return CodeRun.objects.filter(
        user=user, lesson=lesson, mode=CodeRunMode.SUBMIT, passed_all=True
    ).exists()


def _mark_complete(
    *, user: User, lesson: Lesson, enrollment: Enrollment | None, learning_counted: bool = False
) -> CompletionResult:
    """Records the lesson done and the enrollment's new progress; `enrollment` is locked
    (`lock_enrollment`) by the caller's transaction, or None for an instructor or admin.
    `learning_counted`: the caller has emitted LEARNED for this moment already."""
    first_time = _complete_progress(user, lesson)
    if first_time and enrollment is not None:
        course_id = lesson.module.course_id
        emit(events.LESSON_COMPLETED, user=user, lesson=lesson, course_id=course_id)
        if not learning_counted:
            emit(events.LEARNED, user=user)
    if enrollment is None:  # an instructor or admin going through the course
        percent, done, total = course_percent(user=user, course=lesson.module.course)
        return CompletionResult(percent, total > 0 and done >= total)
    completed = _refresh_enrollment(enrollment, lesson=lesson)
    return CompletionResult(enrollment.progress_percent, completed)


@dataclass(frozen=True)
class ProgressRights:
    course_id: int
    duration_seconds: int
    learner: bool  # enrolled (time counts as learning); False: staff going through it


def rights_key(user_id: int, lesson_id: int) -> str:
    """Where `progress_rights` remembers them (the default cache's key)."""
    return f"learning:rights:{user_id}:{lesson_id}"


def remembered_rights(value: Any) -> ProgressRights | None:
    """The rights as `progress_rights` remembered them at `rights_key`, or None (not
    remembered, or not in that shape)."""
    if isinstance(value, tuple) and len(value) == len(fields(ProgressRights)):
        return ProgressRights(*value)
    return None


def progress_rights(user: User, lesson: Lesson | int) -> ProgressRights:
    """`progress_as_learner`, remembered for PROGRESS_RIGHTS_CACHE_SECONDS: a position
    report every few seconds costs no query. A revocation forgets it when it commits."""
    lesson_id = lesson if isinstance(lesson, int) else lesson.pk
    key = rights_key(user.pk, lesson_id)
    known = remembered_rights(cache.get(key))
    if known is not None:
        return known
    if isinstance(lesson, int):
        lesson = catalog_queries.get_lesson(lesson)
    learner = progress_as_learner(user, lesson.module.course)
    rights = ProgressRights(lesson.module.course_id, lesson.duration_seconds or 0, learner)
    cache.set(key, astuple(rights), settings.PROGRESS_RIGHTS_CACHE_SECONDS)
    return rights


def _forget_rights(user_id: int, course: Course) -> None:
    lessons = Lesson.objects.filter(module__course=course).values_list("pk", flat=True)
    keys = [rights_key(user_id, pk) for pk in lessons]
    cache.delete_many([queries.enrollment_source_key(user_id, course.pk), *keys])


def _forget_rights_on_commit(user_id: int, course: Course) -> None:
    """Forgets the remembered rights now and again once the change commits: a check read
    between the two would otherwise remember the access as it was."""
    _forget_rights(user_id, course)
    transaction.on_commit(lambda: _forget_rights(user_id, course))


def save_position(
    *, user: User, lesson: Lesson | int, seconds: int, spent_seconds: int = 0
) -> None:
    """Where playback stopped (to resume there) and how long the learner spent: buffered
    in Redis when there is one (agora/learning/positions.py), else written at once."""
    if not 0 <= seconds <= MAX_POSITION_SECONDS:
        raise InvalidInput(fields={"seconds": [f"From 0 to {MAX_POSITION_SECONDS}."]})
    if spent_seconds < 0:
        raise InvalidInput(fields={"spent_seconds": ["Cannot be negative."]})
    lesson_id = lesson if isinstance(lesson, int) else lesson.pk
    report = position_report(user, lesson_id, progress_rights(user, lesson), seconds, spent_seconds)
    if not positions.buffer(report):
        write_position(user, report)


def position_report(
    user: User, lesson_id: int, rights: ProgressRights, seconds: int, spent_seconds: int
) -> positions.Report:
    """A valid report (`save_position` checked its numbers), kept within the lesson's length
    and the most one report may add."""
    if rights.duration_seconds:
        seconds = min(seconds, rights.duration_seconds)
    spent = min(spent_seconds, MAX_SPENT_PER_REPORT)
    return positions.Report(user.pk, lesson_id, rights.course_id, seconds, spent, rights.learner)


def write_position(user: User, report: positions.Report) -> None:
    """Writes one report at once (no Redis, or Redis unreachable). The enrollment's row is
    written first: completing a lesson locks it before the progress row, and two writers that
    took them in opposite orders would deadlock."""
    with transaction.atomic():
        if report.learner:
            Enrollment.objects.active().filter(learner=user, course_id=report.course_id).update(
                last_lesson_id=report.lesson_id, last_activity_at=timezone.now()
            )
        row, _ = LessonProgress.objects.get_or_create(
            user=user,
            lesson_id=report.lesson_id,
            defaults={"course_id": report.course_id, "started_at": timezone.now()},
        )
        LessonProgress.objects.filter(pk=row.pk).update(
            position_seconds=report.seconds,
            # Reports add up forever: the total stops at what its integer column holds (the
            # headroom is taken first, so the sum itself never overflows in the database).
            seconds_spent=Least(F("seconds_spent"), INT32_MAX - report.spent) + report.spent,
            updated_at=timezone.now(),
        )
        positions.add_lesson_activity(
            user.pk,
            report.lesson_id,
            report.course_id,
            positions.site_day(timezone.now()),
            seconds=report.spent,
            position=report.seconds,
        )
        # Watching counts as learning; merely opening a video does not.
        if report.learner and report.spent > 0:
            positions.add_learning_time(
                user.pk, report.course_id, timezone.now().date(), report.spent
            )
            emit(events.LEARNED, user=user)


def record_visit(*, user: Viewer, lesson: Lesson) -> None:
    """The learner opened the lesson: it becomes where "continue" takes them."""
    if not user.is_authenticated:
        return
    _mark_studied(
        Enrollment.objects.active().filter(learner=user, course_id=lesson.module.course_id), lesson
    )


# --- quizzes ---------------------------------------------------------------------------------
@dataclass
class QuestionResult:
    question_id: int
    is_right: bool
    selected: list[int] = field(default_factory=list)
    text: str = ""
    # Filled only once the learner may see the answers (passed, or no attempts left).
    answer_options: list[int] | None = None
    accepted_answers: list[str] | None = None


@dataclass
class AttemptResult:
    attempt: QuizAttempt
    results: list[QuestionResult]
    attempts_left: int | None
    progress: CompletionResult | None


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def _has_passed(user: User, lesson: Lesson) -> bool:
    return QuizAttempt.objects.filter(user=user, lesson=lesson, passed=True).exists()


def _grade(question: QuizQuestion, answer: dict[str, Any] | None) -> QuestionResult:
    selected = sorted(set(answer.get("selected") or [])) if answer else []
    text = ((answer.get("text") or "") if answer else "").strip()[:500]
    if question.kind == QuestionKind.FILL_BLANK:
        accepted = {_normalise(a) for a in question.accepted_answers}
        right = bool(text) and _normalise(text) in accepted
        return QuestionResult(question.pk, right, text=text)
    right = bool(selected) and selected == sorted(set(question.correct))
    if question.kind == QuestionKind.SINGLE and len(selected) != 1:
        right = False
    return QuestionResult(question.pk, right, selected=selected)


def _check_answers(questions: dict[int, QuizQuestion], answers: list[dict[str, Any]]) -> None:
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for index, answer in enumerate(answers):
        question = questions.get(answer.get("question_id"))  # type: ignore[arg-type]
        if question is None:
            errors[f"answers.{index}.question_id"] = ["Not a question of this quiz."]
            continue
        if question.pk in seen:
            errors[f"answers.{index}.question_id"] = ["This question is answered twice."]
        seen.add(question.pk)
        selected = answer.get("selected") or []
        if question.kind == QuestionKind.FILL_BLANK:
            if selected:
                errors[f"answers.{index}.selected"] = ["Answer a blank with `text`."]
        elif any(not 0 <= i < len(question.options) for i in selected):
            errors[f"answers.{index}.selected"] = [
                f"Option indexes are from 0 to {len(question.options) - 1}."
            ]
        elif question.kind == QuestionKind.SINGLE and len(selected) > 1:
            errors[f"answers.{index}.selected"] = ["Choose one option."]
    if errors:
        raise InvalidInput("Some answers are not valid.", fields=errors)


def submit_quiz(*, user: User, lesson: Lesson, answers: list[dict[str, Any]]) -> AttemptResult:
    """Grades an attempt on the server and stores it with each answer. Passing completes the
    lesson. The attempt limit holds under concurrent submissions (the enrollment's lock)."""
    if lesson.type != LessonType.QUIZ:
        raise NotFound("This lesson has no quiz.", code=LearningError.QUIZ_NOT_FOUND)
    with transaction.atomic():
        locked = lock_enrollment(user, lesson)
        questions = {q.pk: q for q in lesson.questions.all()}
        if not questions:
            raise Conflict("This quiz has no questions yet.", code=LearningError.QUIZ_EMPTY)
        _check_answers(questions, answers)
        by_question = {a["question_id"]: a for a in answers}
        used = QuizAttempt.objects.filter(user=user, lesson=lesson).count()
        limited = lesson.max_attempts is not None and locked is not None
        if limited and used >= lesson.max_attempts:  # type: ignore[operator]
            raise Conflict(
                f"You have used all {lesson.max_attempts} attempts of this quiz.",
                code=LearningError.ATTEMPTS_EXHAUSTED,
            )
        results = [_grade(q, by_question.get(q.pk)) for q in questions.values()]
        right = sum(r.is_right for r in results)
        score = right * 100 // len(results)
        pass_percent = lesson.pass_percent if lesson.pass_percent is not None else 70
        attempt = QuizAttempt.objects.create(
            user=user, lesson=lesson, score=score, passed=score >= pass_percent
        )
        QuizAnswer.objects.bulk_create(
            QuizAnswer(
                attempt=attempt,
                question_id=r.question_id,
                selected=r.selected,
                text=r.text,
                correct=r.is_right,
            )
            for r in results
        )
        attempts_left = lesson.max_attempts - used - 1 if limited else None  # type: ignore[operator]
        progress = None
        if locked is not None:
            emit(events.LEARNED, user=user)
            if attempt.passed:
                emit(
                    events.QUIZ_PASSED,
                    user=user,
                    lesson=lesson,
                    course_id=lesson.module.course_id,
                    score=score,
                )
        if attempt.passed:
            progress = _mark_complete(
                user=user, lesson=lesson, enrollment=locked, learning_counted=True
            )
        elif locked is not None:
            _mark_studied(Enrollment.objects.filter(pk=locked.pk), lesson)
    if attempt.passed or attempts_left == 0 or locked is None:
        for result in results:
            question = questions[result.question_id]
            if question.kind == QuestionKind.FILL_BLANK:
                result.accepted_answers = list(question.accepted_answers)
            else:
                result.answer_options = list(question.correct)
    return AttemptResult(attempt, results, attempts_left, progress)
