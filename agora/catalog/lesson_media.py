"""The catalog's gated files: a lesson's uploaded video and subtitles, and a resource's
file, served through the media app's signed links (agora/media/signing.py) to those who may
open the lesson."""

from django.db.models.fields.files import FieldFile
from django.http import Http404

from agora.accounts.types import Viewer
from agora.catalog import access
from agora.catalog.models import Lesson, Resource
from agora.media import signing
from agora.media.models import VideoStatus
from agora.media.uploads import VIDEO_TYPES

KINDS = ("video", "subtitles", "resource")
_RELATED = ("module__course__owner",)


def _file_of(kind: str, item: Lesson | Resource) -> FieldFile:
    if isinstance(item, Resource):
        return item.file
    return item.video_file if kind == "video" else item.subtitle_file


def signed_url(kind: str, item: Lesson | Resource, user: Viewer) -> str | None:
    """A signed link to the lesson's video or subtitles, or the resource's file, for `user`
    (anonymous for previews); None when there is no such file. Callers check access first
    (queries.lesson_media_urls does); the link is checked again when used."""
    if kind not in KINDS:
        raise ValueError(f"unknown media kind {kind!r}")
    stored = _file_of(kind, item)
    if not stored:
        return None
    return signing.signed_url(kind, item.pk, stored, user)


def _resource(grant: signing.Grant, user: Viewer) -> signing.Served:
    resource = (
        Resource.objects.select_related(*(f"lesson__{r}" for r in _RELATED))
        .filter(pk=grant.item_id)
        .first()
    )
    if resource is None or not resource.file:
        raise Http404("There is no such file.")
    # NotFound (course hidden) -> 404, EnrollmentRequired -> 403, as for the lesson itself.
    access.check_lesson_readable(user, resource.lesson)
    extension = (resource.file.name or "").rsplit(".", 1)[-1]
    return signing.Served(
        resource.file,
        resource.content_type or "application/octet-stream",
        f"{resource.title}.{extension}",
    )


def _lesson_file(grant: signing.Grant, user: Viewer) -> signing.Served:
    lesson = Lesson.objects.select_related(*_RELATED).filter(pk=grant.item_id).first()
    stored = _file_of(grant.kind, lesson) if lesson is not None else None
    if lesson is None or not stored:
        raise Http404("There is no such file.")
    access.check_lesson_readable(user, lesson)
    if grant.kind == "subtitles":
        return signing.Served(stored, "text/vtt; charset=utf-8")
    extension = (stored.name or "").rsplit(".", 1)[-1].lower()
    return signing.Served(stored, VIDEO_TYPES.get(extension, "application/octet-stream"))


def video_url(lesson: Lesson, user: Viewer, path: str = "master.m3u8") -> str | None:
    """A signed link into the lesson's processed video (its HLS master playlist by default;
    "poster.jpg", "thumbs/thumbnails.vtt"), or None while it is not ready. Callers check
    access first; every request under the link is checked again."""
    video = lesson.video
    if video is None or video.status != VideoStatus.READY:
        return None
    return signing.signed_video_url("hls", lesson.pk, video, user, path)


def _lesson_video(grant: signing.Grant, user: Viewer) -> signing.Playable:
    lesson = Lesson.objects.select_related("video", *_RELATED).filter(pk=grant.item_id).first()
    if lesson is None or lesson.video is None:
        raise Http404("There is no such video.")
    access.check_lesson_readable(user, lesson)
    return signing.Playable(
        lesson.video, lesson.subtitle_file or None, lesson.module.course.language
    )


def register() -> None:
    signing.register_video_kind("hls", _lesson_video)
    signing.register_kind("video", _lesson_file)
    signing.register_kind("subtitles", _lesson_file)
    signing.register_kind("resource", _resource)
