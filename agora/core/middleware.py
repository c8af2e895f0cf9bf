import logging
import re
import uuid
from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from agora.core import ratelimit, read_ahead
from agora.core.api_errors import envelope
from agora.core.errors import (
    DATABASE_UNAVAILABLE_ERRORS,
    DatabaseUnavailable,
    DomainError,
    ErrorCode,
    RateLimited,
    ServiceUnavailable,
)
from agora.core.logging import request_id_var
from agora.core.network import client_ip

logger = logging.getLogger(__name__)

API_ADDRESS_GROUP = "api-address"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class RequestContextMiddleware:
    """Gives each request an id (echoed in `X-Request-ID`) and its real client address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        request.client_ip = client_ip(request)  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        response: HttpResponse
        try:
            if is_api_request(request) and "\x00" in request.path:
                # `%00` decodes to a NUL that no id, slug or code holds, and that PostgreSQL
                # refuses in any query: no endpoint's lookup may see it.
                response = envelope(
                    404, ErrorCode.NOT_FOUND, "No resource has a NUL in its address."
                )
            else:
                response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        if is_api_request(request):
            response = _as_api_error(response)
            if "HTTP_AUTHORIZATION" in request.META:
                # Answers to authenticated callers are personal: no cache may keep them.
                response["Cache-Control"] = "no-store"
            elif request.method not in {"GET", "HEAD", "OPTIONS"}:
                # Answers to writes can carry credentials (sign-in, refresh, sign-up tokens).
                response.setdefault("Cache-Control", "no-store")
        response["X-Request-ID"] = request_id
        return response


def _as_api_error(response: HttpResponse) -> HttpResponse:
    """Errors Django answers itself under /api/ (405, 413, ...) get the JSON envelope too."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return response
    if response.status_code == 405:
        allowed = response.get("Allow", "")
        wrapped = envelope(
            405, "method_not_allowed", f"This endpoint does not take this method; use {allowed}."
        )
        wrapped["Allow"] = allowed
        return wrapped
    try:
        phrase = HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = "Error"
    return envelope(response.status_code, ErrorCode.ERROR, f"{phrase}.")


class ApiRateLimitMiddleware:
    """A generous per-address ceiling on API calls; per-user limits sit in the API auth
    (accounts.middleware.ApiRateLimitMiddleware counts both at once for a bearer call)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_request(request):
            try:
                self.count(request)
            except RateLimited as exc:
                response = JsonResponse(exc.as_body(), status=exc.status_code)
                for name, value in exc.headers.items():
                    response[name] = value
                return response
            # A public answer to what was read with the count is returned from here.
            answered = read_ahead.answer(request)
            if answered is not None:
                return answered
        return self.get_response(request)

    def count(self, request: HttpRequest) -> None:
        """Counts the API call against its address's limit; RateLimited over it. What its
        view is known to need from the cache goes in the same round trip (read_ahead)."""
        group, rate = API_ADDRESS_GROUP, settings.API_RATE_LIMIT_PER_ADDRESS
        ahead = read_ahead.plan(request)
        if ahead is not None and ratelimit.hit_per_address_reading_ahead(
            request, group=group, rate=rate, ahead=ahead
        ):
            return
        ratelimit.hit_per_address(request, group=group, rate=rate)


def unavailable_answer(request: HttpRequest, error: ServiceUnavailable) -> HttpResponse:
    """503 with Retry-After: the error envelope under /api/, elsewhere a page that needs
    neither the database nor the cache (503.html extends nothing)."""
    if is_api_request(request):
        response: HttpResponse = JsonResponse(error.as_body(), status=error.status_code)
    else:
        response = render(request, "503.html", {"message": error.message}, status=error.status_code)
    for name, value in error.headers.items():
        response[name] = value
    return response


def database_unavailable_answer(request: HttpRequest, exception: BaseException) -> HttpResponse:
    # Nothing was half-written: writes run in transactions, which the database rolls back
    # when the connection goes. The client can simply retry.
    logger.warning("database unavailable in %s %s: %s", request.method, request.path, exception)
    return unavailable_answer(request, DatabaseUnavailable())


class DomainErrorPageMiddleware:
    """A domain error raised under a page view becomes the page for its status (the API
    answers the same errors with its JSON envelope); a database that went away becomes 503,
    never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
            return database_unavailable_answer(request, exception)
        if is_api_request(request) or not isinstance(exception, DomainError):
            return None
        if exception.status_code == 404:
            raise Http404(exception.message) from exception
        if exception.status_code == 403:
            raise DjangoPermissionDenied(exception.message) from exception
        response = render(
            request,
            "error.html",
            {"status": exception.status_code, "message": exception.message},
            status=exception.status_code,
        )
        for name, value in exception.headers.items():
            response[name] = value
        return response
