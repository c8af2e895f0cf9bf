"""Maps every failure inside the API to the error envelope of ARCHITECTURE.md."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from agora.core.errors import (
    DATABASE_UNAVAILABLE_ERRORS,
    DatabaseUnavailable,
    DomainError,
    ErrorCode,
    error_body,
)

logger = logging.getLogger("agora.api")

_STATUS_CODES = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.VALIDATION_ERROR,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.SERVICE_UNAVAILABLE,
}


def envelope(
    status: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> JsonResponse:
    return JsonResponse(error_body(code, message, fields), status=status)


def _field_name(location: tuple[object, ...] | list[object]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "form", "file", "header", "cookie"}:
        source, parts = parts[0], parts[1:]
        # A body schema is one parameter (loc: body, <param>, <field>): the field is what
        # the client sent, the parameter name is ours.
        if source == "body":
            parts = parts[1:]
    return ".".join(parts) or "body"


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        message = str(error.get("msg", "Invalid value."))
        message = message.removeprefix("Value error, ")
        fields.setdefault(_field_name(error.get("loc", ())), []).append(message)
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = JsonResponse(exc.as_body(), status=exc.status_code)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    def database_unavailable(
        request: HttpRequest, exc: Exception | type[Exception]
    ) -> HttpResponse:
        # Not our bug and nothing half-written (see middleware.database_unavailable_answer).
        logger.warning("database unavailable in %s %s: %s", request.method, request.path, exc)
        return domain_error(request, DatabaseUnavailable())

    for error in DATABASE_UNAVAILABLE_ERRORS:
        api.add_exception_handler(error, database_unavailable)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return envelope(
            422, "validation_error", "Some fields are not valid.", validation_fields(exc.errors)
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = envelope(
            401, "not_authenticated", "A valid access token is required (Authorization: Bearer)."
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(AuthorizationError)
    def authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return envelope(403, ErrorCode.PERMISSION_DENIED, "You are not allowed to do this.")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, DomainError):
            # ninja wraps whatever its body parser raises in a 400; our parser's refusals
            # (a body that is not an object, unstorable text) carry their own answer.
            return domain_error(request, exc.__cause__)
        if exc.status_code == 400 and "parse request body" in exc.message:
            return envelope(400, ErrorCode.MALFORMED_JSON, "The request body is not valid JSON.")
        code = _STATUS_CODES.get(exc.status_code, "error")
        return envelope(exc.status_code, code, exc.message)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return envelope(404, ErrorCode.NOT_FOUND, "Not found.")

    @api.exception_handler(DjangoPermissionDenied)
    def forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return envelope(403, ErrorCode.PERMISSION_DENIED, "You are not allowed to do this.")

    @api.exception_handler(MultiPartParserError)
    def malformed_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        # Django raises it when request.FILES or request.POST is first read, which ninja does
        # for every File and Form parameter: one answer for every upload endpoint.
        return envelope(
            400,
            "malformed_multipart",
            "The multipart body could not be read: send multipart/form-data with its "
            "boundary and well-formed parts.",
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return envelope(413, ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large.")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Django answers these 400 outside the API; inside it they are the client's fault too.
        logger.warning("suspicious request to %s: %s", request.path, exc)
        return envelope(400, ErrorCode.BAD_REQUEST, "The request could not be processed.")

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        request_id = getattr(request, "request_id", "-")
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return envelope(
            500,
            "server_error",
            f"Something went wrong on our side. Quote request id {request_id} if you report it.",
        )


@csrf_exempt  # the API has no cookie auth: an unknown path is a 404 whatever the method
def api_not_found(request: HttpRequest, unmatched: str = "") -> HttpResponse:
    """Any `/api/` path that no endpoint answers."""
    return envelope(404, ErrorCode.NOT_FOUND, f"There is no API endpoint at {request.path}.")
