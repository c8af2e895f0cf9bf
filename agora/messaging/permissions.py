"""Who may talk to whom."""

from django.db.models import Q

from agora.accounts.models import User
from agora.catalog import access
from agora.catalog.models import Course
from agora.core.permissions import is_admin
from agora.learning.models import Enrollment


def may_start_direct(actor: User, other: User) -> bool:
    """An admin and anyone; a learner and an instructor of a course the learner is enrolled
    in (either may start it)."""
    if actor.pk == other.pk or not other.is_active:
        return False
    if is_admin(actor) or is_admin(other):
        return True
    return _teaches_learner(actor, other) or _teaches_learner(other, actor)


def _teaches_learner(instructor: User, learner: User) -> bool:
    return (
        Enrollment.objects.active()
        .filter(learner=learner)
        .filter(Q(course__owner=instructor) | Q(course__co_instructors__user=instructor))
        .exists()
    )


def may_join_course_chat(user: User, course: Course) -> bool:
    """The course's instructors and its learners with access (an active enrollment)."""
    if access.is_course_instructor(user, course):
        return True
    return Enrollment.objects.active().filter(learner=user, course=course).exists()
