"""Media rows: resumable uploads (tus) and videos with their HLS renditions.

Files live in Django's default storage (local disk or S3-compatible object storage); the
rows only name them.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Upload(models.Model):
    """A resumable upload (the tus 1.0 protocol, agora/media/tus.py). The bytes received so
    far are stored as parts, one per PATCH, named in order in `parts`; a video made from the
    upload joins them (agora/media/processing.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="media_uploads"
    )
    length = models.PositiveBigIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)
    parts = models.JSONField(default=list, blank=True)
    # "mp4" or "webm": the container its first bytes show (checked on the first PATCH).
    extension = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()
    # A video took the upload: it can no longer change or be deleted through tus.
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(offset__lte=models.F("length")), name="media_upload_offset"
            )
        ]
        indexes = [models.Index(fields=["owner", "created_at"], name="media_upload_owner")]

    def __str__(self) -> str:
        return f"upload {self.pk} ({self.offset}/{self.length})"

    @property
    def is_complete(self) -> bool:
        return self.offset == self.length


class VideoStatus(models.TextChoices):
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class Video(models.Model):
    """An uploaded video and what the pipeline made of it: HLS renditions (a master playlist
    under `hls_prefix`), a poster, a thumbnail strip for seeking previews and the duration.
    The original (`source`) is kept for processing again and never served to learners."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="videos"
    )
    source = models.CharField(max_length=300, blank=True)
    source_bytes = models.PositiveBigIntegerField(default=0)
    upload = models.ForeignKey(Upload, on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=VideoStatus.choices, default=VideoStatus.PROCESSING
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent processed.")
    error = models.TextField(blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    renditions = models.JSONField(default=list, blank=True)
    hls_prefix = models.CharField(max_length=300, blank=True)
    poster = models.CharField(max_length=300, blank=True)
    thumbnails = models.CharField(max_length=300, blank=True, help_text="WebVTT of the strip.")
    # When the first segment starts on the MPEG-TS clock (seconds; ffmpeg begins at about
    # 1.4 s): subtitles served with the renditions map their cue times onto it.
    stream_start = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in VideoStatus]), name="media_video_status"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="media_video_progress"),
        ]

    def __str__(self) -> str:
        return f"video {self.pk} ({self.status})"
