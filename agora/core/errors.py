"""Domain errors. Services raise them; the API and pages turn them into answers.

Every error has a machine `code`, a sentence for people, an HTTP status and optional
per-field messages, which is exactly the API's error envelope.
"""

from enum import StrEnum
from typing import Any

from django.db import InterfaceError, OperationalError
from psycopg_pool import PoolTimeout


class ErrorCode(StrEnum):
    """The codes every app may answer with. A domain's own codes are a StrEnum in its
    `errors.py` (e.g. `catalog.errors.CatalogError`); together they are the API's error codes."""

    ERROR = "error"
    BAD_REQUEST = "bad_request"
    MALFORMED_JSON = "malformed_json"
    VALIDATION_ERROR = "validation_error"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMITED = "rate_limited"
    SERVICE_UNAVAILABLE = "service_unavailable"
    DATABASE_UNAVAILABLE = "database_unavailable"


class DomainError(Exception):
    status_code = 400
    code: str = ErrorCode.BAD_REQUEST
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status_code: int | None = None,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.status_code = status_code or self.status_code
        self.fields = fields or {}
        self.headers = headers or {}
        super().__init__(self.message)

    def as_body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.fields)


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


class InvalidInput(DomainError):
    status_code = 422
    code: str = ErrorCode.VALIDATION_ERROR
    message = "Some fields are not valid."


class NotAuthenticated(DomainError):
    status_code = 401
    code: str = ErrorCode.NOT_AUTHENTICATED
    message = "Sign in to do this."


class PermissionDenied(DomainError):
    status_code = 403
    code: str = ErrorCode.PERMISSION_DENIED
    message = "You are not allowed to do this."


class NotFound(DomainError):
    status_code = 404
    code: str = ErrorCode.NOT_FOUND
    message = "Not found."


class Conflict(DomainError):
    status_code = 409
    code: str = ErrorCode.CONFLICT
    message = "This conflicts with the current state."


class RateLimited(DomainError):
    status_code = 429
    code: str = ErrorCode.RATE_LIMITED
    message = "Too many requests. Try again later."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, headers={"Retry-After": str(self.retry_after)})


class ServiceUnavailable(DomainError):
    """Something Agora depends on cannot be reached for now; the client should retry."""

    status_code = 503
    code: str = ErrorCode.SERVICE_UNAVAILABLE
    message = "This is briefly unavailable. Try again in a few seconds."

    def __init__(
        self, message: str | None = None, *, code: str | None = None, retry_after: int = 5
    ) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, code=code, headers={"Retry-After": str(self.retry_after)})


class DatabaseUnavailable(ServiceUnavailable):
    code: str = ErrorCode.DATABASE_UNAVAILABLE
    message = "The database cannot be reached right now. Try again in a few seconds."


# What a request meets when the database went away under it (a restart, a failover, a dropped
# connection, a pool that cannot hand out a connection in time). Django wraps psycopg's errors,
# including the pool's, in its own; PoolTimeout is listed for code that calls the pool itself.
DATABASE_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeout,
)
