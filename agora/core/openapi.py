"""The API's OpenAPI schema, with the answers every operation can give documented once."""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from agora.core.api_parser import AgoraParser

_COMMON_ERRORS = {
    429: "Too many requests: wait for `Retry-After` seconds.",
    500: "Our fault: the message carries a request id to quote.",
    503: (
        "The database (`database_unavailable`) or, for sign-in and password resets, the cache "
        "(`service_unavailable`) is briefly unreachable: retry after `Retry-After` seconds."
    ),
}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}


def file_response(media_type: str, description: str) -> dict[str, Any]:
    """`openapi_extra` for an operation whose 200 is a file, not JSON (ninja documents a
    `None` response with no content at all)."""
    content = {media_type: {"schema": {"type": "string", "format": "binary"}}}
    return {"responses": {200: {"description": description, "content": content}}}


def implied_errors(operation: dict[str, Any]) -> dict[int, str]:
    """The errors an operation can answer because of its shape, whatever its code does:
    a body can be unreadable (400), too large (413) or invalid (422), a parameter invalid
    (422), a bearer token missing or bad (401)."""
    errors: dict[int, str] = {}
    body = operation.get("requestBody")
    if body:
        if "multipart/form-data" in body.get("content", {}):
            errors[400] = "The multipart body could not be read (`malformed_multipart`)."
        else:
            errors[400] = "The body is not valid JSON (`malformed_json`)."
        errors[413] = "The body is larger than the server accepts (`payload_too_large`)."
    if body or operation.get("parameters"):
        errors[422] = "A field or parameter is not valid: `fields` names each one."
    if operation.get("security"):
        errors[401] = "No valid access token (`Authorization: Bearer <access>`)."
    return errors


class AgoraAPI(NinjaAPI):
    """Every router documents the errors its code raises with `ErrorOut`; this adds those
    that follow from an operation's shape (`implied_errors`) and those that any operation
    can answer (rate limit, server error, a dependency briefly unreachable). Requests are
    read by `AgoraParser`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("parser", AgoraParser())
        super().__init__(**kwargs)

    def get_openapi_operation_id(self, operation: Operation) -> str:
        """`<module>_<function>` as Ninja names them, where the module is the app's `api`
        even when the API is a package split by topic: ids stay put when code moves."""
        module = operation.view_func.__module__
        parts = module.split(".")
        if "api" in parts:
            module = ".".join(parts[: parts.index("api") + 1])
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                errors = {**implied_errors(operation), **_COMMON_ERRORS}
                for status, description in sorted(errors.items()):
                    responses.setdefault(status, {"description": description, "content": _ERROR})
        return schema
