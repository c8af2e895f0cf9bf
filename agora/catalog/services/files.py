"""Files of lessons: the uploaded video and subtitles, and downloadable resources."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog.models import (
    Lesson,
    LessonType,
    Resource,
)
from agora.catalog.services.courses import _require_editor
from agora.catalog.services.curriculum import _clean_title
from agora.catalog.services.figures import course_changed
from agora.core.errors import InvalidInput
from agora.media.models import Video

# --- lesson video and subtitles ---------------------------------------------------------------
LESSON_FILE_FIELDS = {"video": "video_file", "subtitles": "subtitle_file"}


def _file_in_use(name: str) -> bool:
    """Copies of a duplicated course share their original's files."""
    return (
        Lesson.objects.filter(Q(video_file=name) | Q(subtitle_file=name)).exists()
        or Resource.objects.filter(file=name).exists()
    )


def _delete_unused(storage: Any, name: str) -> None:
    if not _file_in_use(name):
        storage.delete(name)


def _replace_lesson_file(lesson: Lesson, kind: str, filename: str, content: Any) -> Lesson:
    """Stores `content` under a new server-generated name (or removes the file when
    `content` is None) and deletes the old file once nothing refers to it any more."""
    field = LESSON_FILE_FIELDS[kind]
    stored = getattr(lesson, field)
    new_name = ""
    if content is not None:
        # Written before the row is locked: a big video must not hold the lock meanwhile.
        new_name = stored.storage.save(stored.field.generate_filename(lesson, filename), content)
    rows = Lesson.objects.filter(pk=lesson.pk)
    try:
        with transaction.atomic():
            old_name = rows.select_for_update().values_list(field, flat=True).first() or ""
            rows.update(**{field: new_name, "updated_at": timezone.now()})
            if old_name and old_name != new_name:
                transaction.on_commit(lambda: _delete_unused(stored.storage, old_name))
    except Exception:
        if new_name:
            stored.storage.delete(new_name)
        raise
    lesson.refresh_from_db(fields=[field, "updated_at"])
    course_changed(lesson.module.course)
    return lesson


def _require_video_lesson(lesson: Lesson) -> None:
    if lesson.type != LessonType.VIDEO:
        raise InvalidInput(fields={"file": ["Only video lessons take a video or subtitles."]})


def set_lesson_video(
    *, user: User, lesson: Lesson, upload: Any = None, upload_id: str | None = None
) -> Lesson:
    """Gives a video lesson a new video, from a multipart file (MP4 or WebM by content, at
    most VIDEO_MAX_BYTES) or a finished resumable upload of the user's. The video is
    processed in the background (GET /lessons/{id}/video tells how far); the old one is
    removed once no lesson uses it."""
    from agora.media import services as media

    _require_editor(user, lesson.module.course)
    _require_video_lesson(lesson)
    with transaction.atomic():
        video = media.start_video(user=user, file=upload, upload_id=upload_id)
        _link_video(lesson, video.pk)
    if lesson.video_file:  # an upload from before the pipeline: the new video replaces it
        _replace_lesson_file(lesson, "video", "", None)
    lesson.refresh_from_db(fields=["video", "updated_at"])
    course_changed(lesson.module.course)
    return lesson


def _link_video(lesson: Lesson, video_id: int | None) -> None:
    """Points the lesson at `video_id` (or none) under its row lock, and discards the old
    video once nothing uses it (copies of a duplicated course share theirs)."""
    from agora.media import services as media

    rows = Lesson.objects.filter(pk=lesson.pk)
    old = rows.select_for_update().values_list("video_id", flat=True).first()
    rows.update(video_id=video_id, updated_at=timezone.now())
    if old and old != video_id and not Lesson.objects.filter(video_id=old).exists():
        # A video made from an upload of before the pipeline shares that file with the
        # lessons that still play it.
        source = Video.objects.filter(pk=old).values_list("source", flat=True).first() or ""
        in_use = (
            bool(source) and Lesson.objects.filter(video_file=source).exclude(pk=lesson.pk).exists()
        )
        media.discard_video(video_id=old, keep_source=in_use)


def video_ready(video: Any) -> None:
    """The pipeline finished a video: its lessons take its duration (media calls this)."""
    Lesson.objects.filter(video=video).update(
        duration_seconds=round(video.duration_seconds or 0), updated_at=timezone.now()
    )


def set_lesson_subtitles(*, user: User, lesson: Lesson, upload: Any) -> Lesson:
    """Uploads (or replaces) a video lesson's subtitles: a WebVTT file, checked cue by cue."""
    from agora.media.uploads import checked_subtitles

    _require_editor(user, lesson.module.course)
    _require_video_lesson(lesson)
    content = checked_subtitles(upload, max_bytes=settings.SUBTITLE_MAX_BYTES)
    return _replace_lesson_file(lesson, "subtitles", "subtitles.vtt", content)


def remove_lesson_file(*, user: User, lesson: Lesson, kind: str) -> Lesson:
    """Removes the lesson's uploaded video or subtitles (`kind`)."""
    _require_editor(user, lesson.module.course)
    if kind == "video":
        with transaction.atomic():
            _link_video(lesson, None)
        lesson.refresh_from_db(fields=["video"])
    return _replace_lesson_file(lesson, kind, "", None)


# --- resources -------------------------------------------------------------------------------
TITLE_MAX_LENGTH = 200
URL_MAX_LENGTH = 200


def add_resource(
    *, user: User, lesson: Lesson, title: str, url: str = "", upload: Any = None
) -> Resource:
    from agora.media.uploads import checked_resource, extension_for

    _require_editor(user, lesson.module.course)
    title = _clean_title(title)
    url = (url or "").strip()
    errors: dict[str, list[str]] = {}
    if len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [f"A title is at most {TITLE_MAX_LENGTH} characters."]
    if url and not url.startswith(("https://", "http://")):
        errors["url"] = ["Enter a full web address (https://...)."]
    elif len(url) > URL_MAX_LENGTH:
        errors["url"] = [f"A web address is at most {URL_MAX_LENGTH} characters."]
    if errors:
        raise InvalidInput(fields=errors)
    if bool(url) == bool(upload):
        raise InvalidInput(fields={"file": ["Send either a file or a url, not both."]})
    resource = Resource(lesson=lesson, title=title, url=url)
    if upload is not None:
        content, content_type = checked_resource(upload, max_bytes=settings.RESOURCE_MAX_BYTES)
        resource.content_type = content_type
        resource.size_bytes = upload.size
        # The stored name's extension follows the checked content, never the sender's name
        # (a PDF named page.html must not be served back as HTML).
        resource.file.save(
            f"resource.{extension_for(content_type, upload.name)}", content, save=False
        )
    resource.save()
    course_changed(lesson.module.course)
    return resource


def delete_resource(*, user: User, resource: Resource) -> None:
    course = resource.lesson.module.course
    _require_editor(user, course)
    name = resource.file.name
    storage = resource.file.storage
    resource.delete()
    # Copies of a duplicated course share their original's files.
    if name and not Resource.objects.filter(file=name).exists():
        transaction.on_commit(lambda: storage.delete(name))
    course_changed(course)
