"""A learner's enrollments, progress and quiz attempts in their data export. On erasure they
stay, held by the anonymised account (courses' learner counts and figures keep them)."""

from typing import Any

from agora.accounts.models import User
from agora.learning.models import Enrollment, LessonProgress, QuizAttempt


def export_learning(user: User) -> dict[str, Any]:
    enrollments = Enrollment.objects.filter(learner=user).select_related("course").order_by("pk")
    progress = LessonProgress.objects.filter(user=user).select_related("lesson").order_by("pk")
    attempts = QuizAttempt.objects.filter(user=user).select_related("lesson").order_by("pk")
    return {
        "enrollments": [
            {
                "course": row.course.title,
                "source": row.source,
                "enrolled_at": row.created_at.isoformat(),
                "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
                "progress_percent": row.progress_percent,
                "completed_at": row.completed_at.isoformat() if row.completed_at else None,
            }
            for row in enrollments
        ],
        "lessons": [
            {
                "lesson": row.lesson.title,
                "started_at": row.started_at.isoformat(),
                "completed_at": row.completed_at.isoformat() if row.completed_at else None,
                "position_seconds": row.position_seconds,
                "seconds_spent": row.seconds_spent,
            }
            for row in progress
        ],
        "quiz_attempts": [
            {
                "quiz": row.lesson.title,
                "score": row.score,
                "passed": row.passed,
                "at": row.created_at.isoformat(),
            }
            for row in attempts
        ],
    }


def keep_learning_on_erasure(user: User) -> None:
    """Nothing to erase here: the rows name no one once the account is anonymised."""
