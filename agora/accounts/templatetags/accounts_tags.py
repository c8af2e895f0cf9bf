from django import template

from agora.accounts.devices import describe

register = template.Library()


@register.filter
def device_name(user_agent: str | None, unknown: str = "Unknown browser") -> str:
    """A browser or app by the name people know it: `{{ session.user_agent|device_name }}`."""
    return describe(user_agent, unknown)
