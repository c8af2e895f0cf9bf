"""The API's OpenAPI schema, with the answers every operation can give documented once."""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

_COMMON_ERRORS = {
    429: "Too many requests: wait for `Retry-After` seconds.",
    500: "Our fault: the message carries a request id to quote.",
    503: (
        "The database (`database_unavailable`) or, for sign-in and password resets, the cache "
        "(`service_unavailable`) is briefly unreachable: retry after `Retry-After` seconds."
    ),
}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}


class AgoraAPI(NinjaAPI):
    """Every router documents its own errors with `ErrorOut`; this adds those that any
    operation can answer (rate limit, server error, a dependency briefly unreachable)."""

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for status, description in _COMMON_ERRORS.items():
                    responses.setdefault(status, {"description": description, "content": _ERROR})
        return schema
