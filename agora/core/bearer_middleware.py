"""Middleware a bearer-token API call does not pay for.

An API call that carries `Authorization: Bearer ...` is authenticated by its token
(`accounts.auth.JWTAuth`), never by a cookie: it reads no session, needs no CSRF check (a
browser never adds that header by itself, so a forged cross-site request cannot carry it)
and shows no flash message. Each class here is Django's middleware with one change: such a
call goes straight to the next layer. Every other request (pages, and API calls without a
bearer token, such as the resumable uploads' cookie path with its CSRF check) runs the
middleware exactly as before. They subclass Django's, so the admin's system checks still
find them.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessages
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessions
from django.core import checks
from django.http import HttpRequest, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrf
from django.utils.module_loading import import_string


def is_bearer_api_request(request: HttpRequest) -> bool:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return request.path.startswith("/api/") and header[:7].lower() == "bearer "


class SessionMiddleware(DjangoSessions):
    def __call__(self, request: HttpRequest) -> Any:
        if is_bearer_api_request(request):
            return self.get_response(request)
        return super().__call__(request)


class CsrfViewMiddleware(DjangoCsrf):
    def __call__(self, request: HttpRequest) -> Any:
        if is_bearer_api_request(request):
            return self.get_response(request)
        return super().__call__(request)

    def process_view(
        self,
        request: HttpRequest,
        callback: Callable[..., HttpResponseBase],
        callback_args: tuple[Any, ...],
        callback_kwargs: dict[str, Any],
    ) -> HttpResponseForbidden | None:
        if is_bearer_api_request(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class AuthenticationMiddleware(DjangoAuthentication):
    def __call__(self, request: HttpRequest) -> Any:
        if is_bearer_api_request(request):
            # Until JWTAuth puts the token's user there, as it does for every API call.
            request.user = AnonymousUser()
            return self.get_response(request)
        return super().__call__(request)


class MessageMiddleware(DjangoMessages):
    def __call__(self, request: HttpRequest) -> Any:
        if is_bearer_api_request(request):
            return self.get_response(request)
        return super().__call__(request)


@checks.register(checks.Tags.security, deploy=True)
def check_csrf_middleware(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Django's own check (security.W003, silenced in settings) looks for the exact dotted
    path of CsrfViewMiddleware; this one accepts the subclass above."""
    for path in settings.MIDDLEWARE:
        middleware = import_string(path)
        if isinstance(middleware, type) and issubclass(middleware, DjangoCsrf):
            return []
    return [
        checks.Warning(
            "No CsrfViewMiddleware (or subclass) in MIDDLEWARE: forms are not CSRF-protected.",
            id="core.W003",
        )
    ]
