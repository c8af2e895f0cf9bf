"""The player's discussion tabs: Q&A, comments and notes beside each lesson."""

from typing import Any

from django import template

from agora.catalog.models import Course, Lesson
from agora.community import permissions

register = template.Library()


@register.inclusion_tag("community/partials/lesson_tabs.html", takes_context=True)
def lesson_discussion(context: Any, course: Course, lesson: Lesson) -> dict[str, Any]:
    user = context["request"].user
    return {
        "show": permissions.can_read_discussions(user, course),
        "course": course,
        "lesson": lesson,
    }


@register.filter
def clock(seconds: Any) -> str:
    """A video time as a player shows it: 75 → "1:15", 3725 → "1:02:05"."""
    try:
        total = max(0, int(seconds))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
