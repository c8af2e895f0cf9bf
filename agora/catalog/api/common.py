"""What the catalog's endpoints share: the course and lesson as they answer them."""

from ninja import Router

from agora.accounts.types import Viewer
from agora.catalog import queries
from agora.catalog.models import Course, Lesson


def course_detail(course: Course) -> Course:
    return queries.with_curriculum(course)


def lesson_out(lesson: Lesson, *, user: Viewer, show_answers: bool) -> Lesson:
    lesson.show_answers = show_answers  # type: ignore[attr-defined]
    lesson.media_urls = queries.lesson_media_urls(user, lesson)  # type: ignore[attr-defined]
    return lesson


# One router for the whole catalog API, whose modules add their operations to it in order:
# a path answered by several modules (GET /courses in discovery, POST in courses) must be one
# route, and fixed paths (/courses/facets) come before patterns (/courses/{course_id}).
router = Router(tags=["catalog"])
