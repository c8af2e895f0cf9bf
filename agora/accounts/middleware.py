from collections.abc import Callable
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/readyz", "/api/")


class RequireAdminTwoFactorMiddleware:
    """With REQUIRE_ADMIN_2FA on, an admin without TOTP can only set it up (or sign out).

    The check runs in `process_view`, which Django calls after every middleware has seen the
    request: the message below needs MessageMiddleware, which sits later in the list.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_ADMIN_2FA
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not is_mfa_enabled(user, types=["totp"])
        ):
            messages.warning(request, "Admins must turn on two-factor authentication first.")
            return redirect(reverse("mfa_activate_totp"))
        return None
