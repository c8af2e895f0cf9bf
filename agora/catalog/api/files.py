"""Lesson videos, subtitles and downloadable resources."""

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import File, Form, Status
from ninja.files import UploadedFile

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
)
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
    response={200: LessonOut, 401: E, 404: E, 422: E},
    summary="Upload a video lesson's video (multipart `file`: MP4 or WebM)",
    description=(
        "The type is judged by the file's content, never its name; the size limit is the "
        "server's VIDEO_MAX_BYTES. A new upload replaces the old video. The lesson's "
        "`video_file_url` is a signed link that expires (see GET /lessons/{id})."
    ),
)
def upload_video(request: HttpRequest, lesson_id: int, file: File[UploadedFile]) -> Lesson:
    return _change_file(
        request,
        lesson_id,
        lambda user, lesson: services.set_lesson_video(user=user, lesson=lesson, upload=file),
    )


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
