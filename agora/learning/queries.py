from typing import Any

from agora.learning.models import Enrollment


def has_active_enrollment(user: Any, course: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Enrollment.objects.active().filter(learner=user, course=course).exists()


def course_has_learners(course: Any) -> bool:
    """Whether anyone ever enrolled: such a course is archived, never destroyed."""
    return Enrollment.objects.filter(course=course).exists()
