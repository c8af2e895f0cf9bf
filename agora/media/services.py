"""Videos: starting the pipeline on a new upload, and discarding a video's files."""

import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from agora.accounts.models import User
from agora.core.errors import InvalidInput
from agora.core.jobs import enqueue
from agora.media import resumable
from agora.media.models import Video, VideoStatus
from agora.media.processing import delete_tree
from agora.media.uploads import checked_video

logger = logging.getLogger(__name__)


def start_video(*, user: User, file: Any = None, upload_id: str | None = None) -> Video:
    """A new video from a multipart file or a finished resumable upload of `user`, queued for
    processing once the caller's transaction commits. The caller decides what uses it."""
    if (file is None) == (upload_id is None):
        raise InvalidInput(
            fields={"file": ["Send a multipart `file` or the `upload_id` of a finished upload."]}
        )
    if file is not None:
        extension = checked_video(file, max_bytes=settings.VIDEO_MAX_BYTES)
        resumable.check_quota(user, file.size)
        # Written before any lock is taken: a big file must not hold one meanwhile.
        source = default_storage.save(f"videos/sources/{uuid.uuid4().hex}.{extension}", file)
        try:
            with transaction.atomic():
                video = Video.objects.create(owner=user, source=source, source_bytes=file.size)
                _queue(video)
        except Exception:
            default_storage.delete(source)
            raise
        return video
    with transaction.atomic():
        upload = resumable.take_upload(user=user, upload_id=str(upload_id))
        video = Video.objects.create(owner=user, upload=upload, source_bytes=upload.length)
        _queue(video)
    return video


def adopt_stored_video(*, owner: User, name: str) -> Video:
    """A video for a file already in storage (demo data, an import), queued for processing
    like an upload. A file adopted before keeps its video: the one row is returned."""
    with transaction.atomic():
        video = Video.objects.filter(source=name).order_by("pk").first()
        if video is None:
            video = Video.objects.create(
                owner=owner, source=name, source_bytes=default_storage.size(name)
            )
            _queue(video)
    return video


def _queue(video: Video) -> None:
    from agora.media.tasks import process_video

    enqueue(process_video, video_id=video.pk)


def reprocess(*, video: Video) -> Video:
    """Processes a video again from its original (after a failure, or a better ladder)."""
    if not video.source:
        raise InvalidInput("This video has no stored original to process again.")
    with transaction.atomic():
        video.status, video.progress, video.error = VideoStatus.PROCESSING, 0, ""
        # Saved, not updated: the lessons showing it hear of it (post_save).
        video.save(update_fields=["status", "progress", "error", "updated_at"])
        _queue(video)
    video.refresh_from_db()
    return video


def discard_video(*, video_id: int, keep_source: bool = False) -> None:
    """Removes a video nothing uses any more: its renditions, its original (unless
    `keep_source`: something else still uses that file) and the row. The caller checks that
    nothing refers to it; runs after the caller's commit."""

    def remove() -> None:
        video = Video.objects.select_related("upload").filter(pk=video_id).first()
        if video is None:
            return
        names = [video.source] if video.source and not keep_source else []
        parts = list(video.upload.parts) if video.upload else []
        prefix = f"videos/{video.pk}/"
        # Marked failed first: a job still running for it then throws its work away.
        Video.objects.filter(pk=video.pk).update(status=VideoStatus.FAILED, error="removed")
        if video.upload is not None:
            video.upload.delete()
        video.delete()
        try:
            delete_tree(prefix)
            for name in names + parts:
                default_storage.delete(name)
        except OSError:
            logger.warning("could not remove every file of video %s", video_id)

    transaction.on_commit(remove)
