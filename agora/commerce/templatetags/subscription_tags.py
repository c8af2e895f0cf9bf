from typing import Any

from django import template

from agora.commerce.services.subscriptions import user_has_subscription_access

register = template.Library()


@register.simple_tag(takes_context=True)
def subscription_access(context: Any) -> bool:
    """Whether the person viewing has a subscription that gives access now."""
    request = context.get("request")
    return bool(request is not None and user_has_subscription_access(request.user))
