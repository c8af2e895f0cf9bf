"""Page guards no single app owns. Each domain's rules live in its own `permissions.py`;
services decide who may act, and views ask the same functions to decide what to show."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def is_admin(user: Any) -> bool:
    """Admins run the platform: the review queue, the money console, the dashboard."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def staff_required(view: View) -> View:
    """Admins only: others signed in get 403, visitors the sign-in page."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_admin(request.user):
            raise PermissionDenied("Only admins can see this page.")
        return view(request, *args, **kwargs)

    return wrapper
