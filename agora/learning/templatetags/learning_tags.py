"""Learning's parts of other apps' pages: "learners also took" on a course page, and the
signed-in home's "continue learning" and "because you enrolled in ..." rows."""

from typing import Any

from django import template

from agora.catalog.models import Course
from agora.learning import queries

register = template.Library()

CONTINUE_LIMIT = 4


@register.inclusion_tag("catalog/partials/course_row.html")
def also_enrolled(course: Course) -> dict[str, Any]:
    return {
        "row_id": "also-enrolled",
        "title": "Learners of this course also took",
        "courses": queries.also_enrolled(course),
        "more_query": "",
    }


@register.inclusion_tag("learning/tags/home_rows.html", takes_context=True)
def learner_home_rows(context: Any) -> dict[str, Any]:
    user = context["request"].user
    if not user.is_authenticated:
        return {}
    enrollments = list(queries.my_enrollments(user)[:20])
    return {
        "continuing": [e for e in enrollments if e.completed_at is None][:CONTINUE_LIMIT],
        "because": queries.because_you_enrolled(user),
    }
