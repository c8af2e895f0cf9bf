"""Demo learning: the demo learners take several published courses each, at different
points — some just started, some half way, some finished with a certificate — with quiz
attempts that failed and passed. Everything goes through the learning services, so the
progress, completion dates and certificates are exactly what real learners would have.
Idempotent: a learner already enrolled in a course is left as they are.
"""

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import Min
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog.models import Course, CourseStatus, Lesson, LessonType, QuestionKind
from agora.demo.people import LEARNERS, _email
from agora.demo.sales import clock
from agora.learning import assignments, services
from agora.learning.models import Enrollment, EnrollmentSource

# How far each demo enrollment gets, as a share of the course's lessons; cycled through.
PROGRESS_STEPS = (1.0, 0.5, 0.25, 1.0, 0.75, 0.0, 0.4, 1.0, 0.6, 0.1)
LEARNERS_ENROLLED = 24
COURSES_PER_LEARNER = 3


def _right_answers(lesson: Lesson) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []
    for question in lesson.questions.all():
        if question.kind == QuestionKind.FILL_BLANK:
            answers.append({"question_id": question.pk, "text": question.accepted_answers[0]})
        else:
            answers.append({"question_id": question.pk, "selected": list(question.correct)})
    return answers


def _study(learner: User, lessons: list[Lesson], share: float, *, stumble: bool) -> None:
    done = round(len(lessons) * share)
    for index, lesson in enumerate(lessons[:done]):
        if lesson.type == LessonType.QUIZ:
            if not lesson.questions.exists():
                continue
            if stumble and index % 2 == 0:
                services.submit_quiz(user=learner, lesson=lesson, answers=[])  # a failed try
            services.submit_quiz(user=learner, lesson=lesson, answers=_right_answers(lesson))
            continue
        if lesson.type == LessonType.ASSIGNMENT:
            submission = assignments.submit_assignment(
                user=learner, lesson=lesson, text="My project write-up: what I built and why."
            )
            assignments.grade_submission(
                user=lesson.module.course.owner,
                submission=submission,
                points=lesson.max_points or 0,
                feedback="Clear and complete: well done.",
            )
            continue
        if lesson.type == LessonType.VIDEO:
            services.save_position(
                user=learner, lesson=lesson, seconds=lesson.duration_seconds, spent_seconds=60
            )
        services.complete_lesson(user=learner, lesson=lesson)
    if done < len(lessons) and lessons[done].type == LessonType.VIDEO:
        # Stopped in the middle of a video: the player resumes there.
        services.save_position(
            user=learner, lesson=lessons[done], seconds=lessons[done].duration_seconds // 3
        )


def seed(log: Callable[[str], object]) -> None:
    courses = list(
        Course.objects.filter(status=CourseStatus.PUBLISHED)
        .prefetch_related("modules__lessons__questions")
        .order_by("id")
    )
    if not courses:
        return
    learners = list(
        User.objects.filter(email__in=[_email(name) for name in LEARNERS[:LEARNERS_ENROLLED]])
    )
    learners.sort(key=lambda person: person.email)
    added = completed = 0
    step = 0
    rng = random.Random(2025)  # noqa: S311 - the same demo every time, not a secret
    now = timezone.now()
    for position, learner in enumerate(learners):
        for offset in range(COURSES_PER_LEARNER):
            course = courses[(position * 2 + offset) % len(courses)]
            if Enrollment.objects.filter(learner=learner, course=course).exists():
                continue
            # Paid demo courses are granted, not bought: the demo ledger holds only real sales.
            source = EnrollmentSource.FREE if course.is_free else EnrollmentSource.GRANT
            lessons = [lesson for module in course.modules.all() for lesson in module.lessons.all()]
            share = PROGRESS_STEPS[step % len(PROGRESS_STEPS)]
            step += 1
            # Joined on a day of the last four months (more of them lately) and studied then,
            # so dates, "last studied" and the dashboards' ranges read like a real site's.
            days_ago = 1 + 120 * rng.random() ** 1.5
            joined = now - timedelta(days=days_ago, minutes=rng.randrange(24 * 60))
            if course.published_at and joined < course.published_at:
                joined = course.published_at + (now - course.published_at) * rng.random()
            with clock(joined):
                services.grant_enrollment(learner=learner, course=course, source=source)
                _study(learner, lessons, share, stumble=position % 3 == 0)
            added += 1
            completed += share == 1.0 and bool(lessons)
    _joined_before_learning(learners)
    log(
        f"Demo learning: {added} enrollments added over the last four months ({completed} "
        "completed, with certificates), with progress, resume positions and quiz attempts."
    )


def _joined_before_learning(people: list[User]) -> None:
    """Each demo learner signed up a few days before their first enrollment."""
    for person in people:
        first = Enrollment.objects.filter(learner=person).aggregate(first=Min("created_at"))
        if first["first"] is not None:
            days = 1 + person.pk % 14
            joined = first["first"] - timedelta(days=days)
            User.objects.filter(pk=person.pk, date_joined__gt=joined).update(date_joined=joined)
