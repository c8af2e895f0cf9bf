"""Assignments: every write about submissions and grades.

Learners hand in text and/or a file (checked by its content, like lesson resources) at any
time; one made after the lesson's due date is flagged late. A course instructor (or an
admin) grades a submission once, with points and feedback, under the submission's row lock;
the learner is notified, and a grade of the lesson's pass_points or more completes the
lesson through the progress service (which awards its XP).
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog import access
from agora.catalog.models import Lesson, LessonType
from agora.core.errors import Conflict, InvalidInput, NotFound
from agora.learning.errors import LearningError
from agora.learning.models import Submission
from agora.learning.services import _mark_complete, check_progress_rights, locked_enrollment
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify

TEXT_MAX_LENGTH = 100_000
FEEDBACK_MAX_LENGTH = 20_000


def require_assignment(lesson: Lesson) -> None:
    if lesson.type != LessonType.ASSIGNMENT:
        raise NotFound("This lesson is not an assignment.", code=LearningError.ASSIGNMENT_NOT_FOUND)


def submit_assignment(
    *, user: User, lesson: Lesson, text: str = "", upload: Any = None
) -> Submission:
    """Hand in work for an assignment: enrolled learners (and the course's instructors
    trying it). Text, a file or both; late after the due date, and still accepted."""
    from agora.media.uploads import checked_resource, extension_for

    require_assignment(lesson)
    check_progress_rights(user, lesson)
    text = (text or "").strip()
    if len(text) > TEXT_MAX_LENGTH:
        raise InvalidInput(fields={"text": [f"At most {TEXT_MAX_LENGTH} characters."]})
    if not text and upload is None:
        raise InvalidInput(fields={"text": ["Write your answer or attach a file."]})
    submission = Submission(user=user, lesson=lesson, text=text)
    now = timezone.now()
    submission.is_late = lesson.due_at is not None and now > lesson.due_at
    if upload is not None:
        content, content_type = checked_resource(upload, max_bytes=settings.SUBMISSION_MAX_BYTES)
        submission.content_type = content_type
        submission.size_bytes = upload.size
        submission.file_name = (upload.name or "file")[-200:]
        # The stored name's extension follows the checked content, never the sender's name.
        submission.file.save(
            f"submission.{extension_for(content_type, upload.name)}", content, save=False
        )
    submission.save()
    return submission


def grade_submission(
    *, user: User, submission: Submission, points: int, feedback: str
) -> Submission:
    """Grade a submission once: the course's instructors and admins only (others: 404,
    as for a submission they may not see). Notifies the learner; a passing grade completes
    the lesson."""
    lesson = Lesson.objects.select_related("module__course").get(pk=submission.lesson_id)
    if not access.can_edit_course(user, lesson.module.course):
        raise NotFound("There is no such submission.", code=LearningError.SUBMISSION_NOT_FOUND)
    max_points = lesson.max_points or 0
    errors: dict[str, list[str]] = {}
    if not 0 <= points <= max_points:
        errors["points"] = [f"Points are from 0 to {max_points}."]
    feedback = (feedback or "").strip()
    if len(feedback) > FEEDBACK_MAX_LENGTH:
        errors["feedback"] = [f"At most {FEEDBACK_MAX_LENGTH} characters."]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().select_related("user").get(pk=submission.pk)
        if locked.graded_at is not None:
            raise Conflict("This submission is graded already.", code=LearningError.ALREADY_GRADED)
        locked.points = points
        locked.feedback = feedback
        locked.graded_by = user
        locked.graded_at = timezone.now()
        locked.save(update_fields=["points", "feedback", "graded_by", "graded_at"])
        learner = locked.user
        passed = points >= (lesson.pass_points or 0)
        course = lesson.module.course
        notify(
            learner,
            NotificationKind.ASSIGNMENT_GRADED,
            title=f"“{lesson.title}” was graded: {points}/{max_points}",
            body=("Passed. " if passed else "Not passed yet. ") + feedback[:300],
            url=reverse("learn_lesson", kwargs={"slug": course.slug, "lesson_id": lesson.pk}),
        )
        if passed:
            enrollment = locked_enrollment(learner, course)
            if enrollment is not None:
                _mark_complete(user=learner, lesson=lesson, enrollment=enrollment)
    return locked
