"""Row locks on catalog rows that other apps' transactions need to serialise on."""

from agora.catalog.models import Course


def lock_course(course: Course) -> None:
    """Locks the course's row until the caller's transaction ends (the caller is inside
    `transaction.atomic()`). Writers of a course's derived figures queue on it."""
    Course.objects.select_for_update().only("pk").get(pk=course.pk)
