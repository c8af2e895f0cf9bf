"""Domain errors. Services raise them; the API and pages turn them into answers.

Every error has a machine `code`, a sentence for people, an HTTP status and optional
per-field messages, which is exactly the API's error envelope.
"""

from typing import Any

from django.db import InterfaceError, OperationalError
from psycopg_pool import PoolTimeout


class DomainError(Exception):
    status_code = 400
    code = "bad_request"
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


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


class InvalidInput(DomainError):
    status_code = 422
    code = "validation_error"
    message = "Some fields are not valid."


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"
    message = "Sign in to do this."


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"
    message = "You are not allowed to do this."


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    message = "This conflicts with the current state."


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"
    message = "Too many requests. Try again later."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, headers={"Retry-After": str(self.retry_after)})


class ServiceUnavailable(DomainError):
    """Something Agora depends on cannot be reached for now; the client should retry."""

    status_code = 503
    code = "service_unavailable"
    message = "This is briefly unavailable. Try again in a few seconds."

    def __init__(
        self, message: str | None = None, *, code: str | None = None, retry_after: int = 5
    ) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, code=code, headers={"Retry-After": str(self.retry_after)})


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"
    message = "The database cannot be reached right now. Try again in a few seconds."


# What a request meets when the database went away under it (a restart, a failover, a dropped
# connection, a pool that cannot hand out a connection in time). Django wraps psycopg's errors,
# including the pool's, in its own; PoolTimeout is listed for code that calls the pool itself.
DATABASE_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeout,
)
