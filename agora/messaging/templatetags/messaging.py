from typing import Any

from django import template

from agora.catalog.models import Course
from agora.catalog.queries import course_instructors
from agora.messaging import permissions

register = template.Library()


@register.inclusion_tag("messaging/_chat_tab.html", takes_context=True)
def course_chat_tab(context: Any, course: Course) -> dict[str, Any]:
    """The player's chat tab, for those who take part in the course's chat."""
    user = context["request"].user
    show = user.is_authenticated and permissions.may_join_course_chat(user, course)
    return {"show": show, "course": course}


@register.inclusion_tag("messaging/_course_contact.html", takes_context=True)
def course_contact(context: Any, course: Course) -> dict[str, Any]:
    """ "Message the instructor" and "Course chat" for the course's learners (and its chat for
    its instructors); nothing for anyone else."""
    user = context["request"].user
    if not user.is_authenticated or not permissions.may_join_course_chat(user, course):
        return {"show": False}
    instructor = course_instructors(course)[0]
    return {
        "show": True,
        "course": course,
        "instructor": instructor if instructor.pk != user.pk else None,
        "csrf_token": context.get("csrf_token"),
    }
