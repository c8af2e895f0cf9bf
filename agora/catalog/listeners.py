"""What the catalog does when something it copied from another app changes."""

from django.db.models import Q

from agora.accounts.models import User
from agora.catalog.models import Course


def instructor_renamed(user: User) -> None:
    """Course search text holds instructor names: refresh it on the courses they teach."""
    from agora.catalog.services import course_changed, refresh_instructor_names

    courses = (
        Course.objects.filter(Q(owner=user) | Q(co_instructors__user=user))
        .distinct()
        .select_related("owner")
    )
    for course in courses:
        refresh_instructor_names(course)
        course_changed(course)
