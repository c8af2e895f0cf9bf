"""The player's discussion tabs: Q&A, comments and notes beside each lesson."""

from datetime import timedelta
from typing import Any

from django import template
from django.utils import timezone

from agora.catalog.models import Course, Lesson
from agora.community import permissions
from agora.community.queries import discussions as queries

register = template.Library()
# The player shows an announcement this fresh above the lesson.
RECENT = timedelta(days=14)


@register.inclusion_tag("community/partials/lesson_tabs.html", takes_context=True)
def lesson_discussion(context: Any, course: Course, lesson: Lesson) -> dict[str, Any]:
    user = context["request"].user
    return {
        "show": permissions.can_read_discussions(user, course),
        "course": course,
        "lesson": lesson,
    }


@register.inclusion_tag("community/partials/course_community.html", takes_context=True)
def course_community(context: Any, course: Course, compact: bool = False) -> dict[str, Any]:
    """For the course's members: its newest announcement and the ways into its Q&A and
    notes (on the course page, and above the lesson in the player)."""
    user = context["request"].user
    if not permissions.can_read_discussions(user, course):
        return {"show": False}
    latest = queries.course_announcements(user=user, course=course).first()
    if compact and (latest is None or latest.created_at < timezone.now() - RECENT):
        latest = None
    return {"show": True, "course": course, "latest": latest, "compact": compact}
