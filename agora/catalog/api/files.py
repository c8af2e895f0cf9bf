"""Lesson videos, subtitles and downloadable resources."""

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import File, Form, Status
from ninja.files import UploadedFile
from pydantic import ValidationError as PydanticValidationError

from agora.accounts.auth import current_user, jwt_auth, viewer
from agora.accounts.models import User
from agora.catalog import queries, services
from agora.catalog.api.common import lesson_out, router
from agora.catalog.downloads import resource_response
from agora.catalog.models import Lesson, Resource
from agora.catalog.schemas import (
    LessonOut,
    ResourceIn,
    ResourceOut,
    VideoAccepted,
    VideoOut,
    VideoUploadIn,
)
from agora.core.api_errors import validation_fields
from agora.core.api_parser import BodyNotAnObject, check_text
from agora.core.errors import DomainError, InvalidInput
from agora.core.openapi import file_response
from agora.core.schemas import ErrorOut as E


def _change_file(
    request: HttpRequest, lesson_id: int, change: Callable[[User, Lesson], Lesson]
) -> Lesson:
    """The four video and subtitle endpoints: find the caller's lesson, change its file, and
    answer with the lesson as its instructor sees it."""
    user = current_user(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    return lesson_out(change(user, lesson), user=user, show_answers=True)


# --- lesson video and subtitles ----------------------------------------------------------------
@router.post(
    "/lessons/{lesson_id}/video",
    auth=jwt_auth,
    response={202: VideoAccepted, 401: E, 404: E, 409: E, 413: E, 415: E, 422: E},
    summary="Give a video lesson a new video: multipart `file`, or JSON `{upload_id}`",
    description=(
        "Send the file as multipart `file` (MP4 or WebM, judged by its content; at most "
        "VIDEO_MAX_BYTES), or JSON `{upload_id}` naming a finished resumable upload of yours "
        "(tus 1.0 at /api/v1/uploads/). The video is converted to HLS renditions in the "
        "background: follow it with GET /lessons/{id}/video. It replaces the old video."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
                "application/json": {"schema": VideoUploadIn.model_json_schema()},
            }
        }
    },
)
def upload_video(request: HttpRequest, lesson_id: int) -> Status[dict[str, str]]:
    user = current_user(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            body = json.loads(request.body)
        except ValueError as exc:
            raise DomainError(
                "The request body is not valid JSON.", code="malformed_json", status_code=400
            ) from exc
        if not isinstance(body, dict):
            raise BodyNotAnObject()
        check_text(body)
        try:
            upload_id = VideoUploadIn.model_validate(body).upload_id
        except PydanticValidationError as exc:
            raise InvalidInput(fields=validation_fields([dict(e) for e in exc.errors()])) from exc
        services.set_lesson_video(user=user, lesson=lesson, upload_id=upload_id)
    else:
        file = request.FILES.get("file")
        if file is None:
            raise InvalidInput(
                fields={"file": ["Send the video as multipart `file`, or JSON {upload_id}."]}
            )
        services.set_lesson_video(user=user, lesson=lesson, upload=file)
    return Status(202, {"status": "processing"})


@router.get(
    "/lessons/{lesson_id}/video",
    auth=jwt_auth,
    response={200: VideoOut, 401: E, 403: E, 404: E},
    summary="A lesson's video: processing state, renditions and a signed HLS link",
    description=(
        "For the course's instructors and those who may watch the lesson (others: 404, or "
        "403 `enrollment_required`). `hls_url` is signed for the caller and expires."
    ),
)
def get_video(request: HttpRequest, lesson_id: int) -> dict[str, Any]:
    return queries.lesson_video(user=current_user(request), lesson_id=lesson_id)


@router.delete(
    "/lessons/{lesson_id}/video",
    auth=jwt_auth,
    response={200: LessonOut, 401: E, 404: E},
    summary="Remove a video lesson's uploaded video",
)
def delete_video(request: HttpRequest, lesson_id: int) -> Lesson:
    return _change_file(
        request,
        lesson_id,
        lambda user, lesson: services.remove_lesson_file(user=user, lesson=lesson, kind="video"),
    )


@router.post(
    "/lessons/{lesson_id}/subtitles",
    auth=jwt_auth,
    response={200: LessonOut, 401: E, 404: E, 422: E},
    summary="Upload a video lesson's subtitles (multipart `file`: WebVTT)",
    description=(
        "The file must be UTF-8 WebVTT (it starts with `WEBVTT`, every cue timing is "
        "well-formed and none runs backwards), at most 2 MB. It replaces the old subtitles."
    ),
)
def upload_subtitles(request: HttpRequest, lesson_id: int, file: File[UploadedFile]) -> Lesson:
    return _change_file(
        request,
        lesson_id,
        lambda user, lesson: services.set_lesson_subtitles(user=user, lesson=lesson, upload=file),
    )


@router.delete(
    "/lessons/{lesson_id}/subtitles",
    auth=jwt_auth,
    response={200: LessonOut, 401: E, 404: E},
    summary="Remove a video lesson's subtitles",
)
def delete_subtitles(request: HttpRequest, lesson_id: int) -> Lesson:
    return _change_file(
        request,
        lesson_id,
        lambda user, lesson: services.remove_lesson_file(
            user=user, lesson=lesson, kind="subtitles"
        ),
    )


# --- resources -------------------------------------------------------------------------------
@router.post(
    "/lessons/{lesson_id}/resources",
    auth=jwt_auth,
    response={201: ResourceOut, 401: E, 404: E, 422: E},
    summary="Attach a downloadable file or a link to a lesson (multipart form)",
)
def add_resource(
    request: HttpRequest,
    lesson_id: int,
    form: Form[ResourceIn],
    file: File[UploadedFile | None] = None,  # (`File[...] | None` never receives the file)
) -> Status[Resource]:
    user = current_user(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    resource = services.add_resource(
        user=user, lesson=lesson, title=form.title, url=form.url, upload=file
    )
    return Status(201, resource)


@router.delete(
    "/resources/{resource_id}",
    auth=jwt_auth,
    response={204: None, 401: E, 404: E},
    summary="Remove a resource",
)
def delete_resource(request: HttpRequest, resource_id: int) -> Status[None]:
    user = current_user(request)
    services.delete_resource(
        user=user, resource=queries.get_resource_for_editing(user=user, resource_id=resource_id)
    )
    return Status(204, None)


@router.get(
    "/resources/{resource_id}/download",
    response={200: None, 302: None, 401: E, 403: E, 404: E},
    url_name="catalog_download_resource",
    summary="Download a resource (same access as its lesson)",
    openapi_extra={
        "responses": {
            **file_response("*/*", "An uploaded file, with its own content type.")["responses"],
            302: {
                "description": "A link resource: `Location` is its address.",
                "headers": {"Location": {"schema": {"type": "string"}}},
            },
        }
    },
)
def download_resource(request: HttpRequest, resource_id: int) -> HttpResponseBase:
    resource = queries.get_resource_for_download(user=viewer(request), resource_id=resource_id)
    return resource_response(resource)
