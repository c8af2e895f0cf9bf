from collections.abc import Callable
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from agora.accounts.auth import count_bearer_call
from agora.core import middleware as core_middleware
from agora.core.bearer_middleware import is_bearer_api_request
from agora.core.cache import CacheUnavailable, raise_cache_errors
from agora.core.errors import ServiceUnavailable
from agora.core.middleware import unavailable_answer
from agora.core.ratelimit import UNAVAILABLE_MESSAGE

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


class AllauthCacheRequiredMiddleware:
    """allauth keeps the limits of its forms (sign-in failures, sign-up, password resets) in
    the cache. A form sent while the cache is unreachable answers 503 with Retry-After, like
    the API's sign-in: without its counters password guessing would be unlimited (and allauth
    would otherwise spin on a lock it cannot take, then blame "too many attempts")."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Reads consume no limit; only what a form sends needs the counters.
        if request.method in {"GET", "HEAD", "OPTIONS"} or not _is_allauth_view(request):
            return self.get_response(request)
        with raise_cache_errors():
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CacheUnavailable):
            return unavailable_answer(request, ServiceUnavailable(UNAVAILABLE_MESSAGE))
        return None


def _is_allauth_view(request: HttpRequest) -> bool:
    if request.path_info.startswith("/api/"):
        return False  # the API is ours alone: no need to resolve every write's path again
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    # allauth's own views, and ours built on them (the sign-in page answering 429).
    view_class = getattr(match.func, "view_class", None)
    modules = [cls.__module__ for cls in view_class.__mro__] if view_class else []
    return any(module.startswith("allauth.") for module in [match.func.__module__, *modules])


class ApiRateLimitMiddleware(core_middleware.ApiRateLimitMiddleware):
    """The API's per-address limit, and for a call with a good access token its person's
    limit and cached row too, in one round trip to Redis instead of two (JWTAuth takes
    what was counted and read from the request)."""

    def count(self, request: HttpRequest) -> None:
        if is_bearer_api_request(request):
            token = request.META["HTTP_AUTHORIZATION"].partition(" ")[2].strip()
            limit = (core_middleware.API_ADDRESS_GROUP, settings.API_RATE_LIMIT_PER_ADDRESS)
            if count_bearer_call(request, token, limit):
                return
        super().count(request)
