"""Who plays which part in the demo's conversations and discussions."""

from collections.abc import Iterator

from agora.accounts.models import User
from agora.catalog.models import Course, CourseStatus
from agora.learning.models import Enrollment

DEMO_DOMAIN = "@agora.test"


def first_courses_with_learners(count: int) -> Iterator[tuple[Course, list[User]]]:
    """Each demo instructor's first published course that has at least `count` enrolled
    demo learners, with the first `count` of them (always the same ones)."""
    courses = Course.objects.filter(
        status=CourseStatus.PUBLISHED, owner__email__endswith=DEMO_DOMAIN
    ).order_by("owner_id", "id")
    seen_owners: set[int] = set()
    for course in courses:
        if course.owner_id in seen_owners:
            continue
        learners = list(
            User.objects.filter(
                pk__in=Enrollment.objects.active()
                .filter(course=course, learner__email__endswith=DEMO_DOMAIN)
                .values("learner_id")
            ).order_by("id")[:count]
        )
        if len(learners) < count:
            continue
        seen_owners.add(course.owner_id)
        yield course, learners
