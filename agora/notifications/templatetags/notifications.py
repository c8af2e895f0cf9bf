from typing import Any

from django import template

from agora.notifications import queries

register = template.Library()


@register.inclusion_tag("notifications/partials/bell.html", takes_context=True)
def notification_bell(context: Any) -> dict[str, Any]:
    user = context["request"].user
    return {"unread": queries.unread_count(user) if user.is_authenticated else 0}
