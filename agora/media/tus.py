"""The tus 1.0 resumable upload protocol at /api/v1/uploads/ (core, creation, termination).

    OPTIONS /api/v1/uploads/          what the server supports
    POST    /api/v1/uploads/          create: Upload-Length, Upload-Metadata -> 201 Location
    HEAD    /api/v1/uploads/<id>      where it stands: Upload-Offset, Upload-Length
    PATCH   /api/v1/uploads/<id>      bytes at Upload-Offset (application/offset+octet-stream)
    DELETE  /api/v1/uploads/<id>      terminate

Callers authenticate as on the rest of the API (`Authorization: Bearer <access JWT>`); the
studio's pages use their session with the CSRF token header instead. Errors carry the API's
JSON error body. The rules live in agora/media/resumable.py.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from agora.accounts.auth import jwt_auth
from agora.accounts.models import User
from agora.core.errors import DomainError, InvalidInput, NotAuthenticated, PermissionDenied
from agora.media import resumable
from agora.media.errors import MediaError

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
Handler = Callable[..., HttpResponse]


def _tus_headers(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _error(exc: DomainError) -> HttpResponse:
    response = JsonResponse(exc.as_body(), status=exc.status_code)
    for name, value in exc.headers.items():
        response[name] = value
    return _tus_headers(response)


def _no_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def _caller(request: HttpRequest) -> User:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("Send the access token as `Authorization: Bearer <token>`.")
        return jwt_auth.authenticate(request, token.strip())
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # A page's session: the same CSRF check as a form post.
        csrf = CsrfViewMiddleware(_no_view)
        refused = csrf.process_view(request, _no_view, (), {})
        if refused is not None:
            raise PermissionDenied("The CSRF token is missing or wrong: reload the page.")
        return user
    raise NotAuthenticated("A valid access token is required (Authorization: Bearer).")


def tus_view(handler: Handler) -> Handler:
    """Checks the protocol version, authenticates, and answers errors as the API does."""

    @csrf_exempt
    @wraps(handler)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Tus-Version"] = TUS_VERSION
            response["Tus-Extension"] = EXTENSIONS
            response["Tus-Max-Size"] = str(settings.VIDEO_MAX_BYTES)
            return _tus_headers(response)
        try:
            if request.headers.get("Tus-Resumable") != TUS_VERSION:
                raise DomainError(
                    f"Send Tus-Resumable: {TUS_VERSION} (the only version this server speaks).",
                    code=MediaError.TUS_VERSION_UNSUPPORTED,
                    status_code=412,
                    headers={"Tus-Version": TUS_VERSION},
                )
            user = _caller(request)
            return _tus_headers(handler(request, user, *args, **kwargs))
        except DomainError as exc:
            return _error(exc)

    return view


def _header_int(request: HttpRequest, name: str) -> int:
    value = request.headers.get(name, "")
    if not value.isdigit():
        raise InvalidInput(f"{name} must be a number of bytes.")
    return int(value)


@tus_view
def uploads(request: HttpRequest, user: User) -> HttpResponse:
    if request.method != "POST":
        raise DomainError(
            "Use POST to create an upload.", code="method_not_allowed", status_code=405
        )
    if request.headers.get("Upload-Defer-Length"):
        raise InvalidInput("Send Upload-Length: deferred lengths are not supported.")
    length = _header_int(request, "Upload-Length")
    metadata = resumable.parse_metadata(request.headers.get("Upload-Metadata", ""))
    upload = resumable.create_upload(user=user, length=length, metadata=metadata)
    response = HttpResponse(status=201)
    response["Location"] = request.build_absolute_uri(
        reverse("media_upload", kwargs={"upload_id": upload.pk})
    )
    response["Upload-Offset"] = "0"
    return response


@tus_view
def upload(request: HttpRequest, user: User, upload_id: str) -> HttpResponse:
    method = request.method
    found = resumable.get_upload(user=user, upload_id=upload_id)
    if method == "HEAD":
        response = HttpResponse(status=200)
        response["Upload-Offset"] = str(found.offset)
        response["Upload-Length"] = str(found.length)
        if found.metadata:
            response["Upload-Metadata"] = resumable.encode_metadata(found.metadata)
        return response
    if method == "PATCH":
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != OFFSET_CONTENT_TYPE:
            raise DomainError(
                f"Send the bytes as Content-Type: {OFFSET_CONTENT_TYPE}.",
                code="unsupported_media_type",
                status_code=415,
            )
        offset = _header_int(request, "Upload-Offset")
        length_header = request.headers.get("Content-Length", "")
        moved = resumable.append(
            upload=found,
            offset=offset,
            stream=request,  # type: ignore[arg-type]
            content_length=int(length_header) if length_header.isdigit() else None,
        )
        response = HttpResponse(status=204)
        response["Upload-Offset"] = str(moved.offset)
        return response
    if method == "DELETE":
        resumable.terminate(upload=found)
        return HttpResponse(status=204)
    raise DomainError(
        "Use HEAD, PATCH or DELETE on an upload.", code="method_not_allowed", status_code=405
    )
