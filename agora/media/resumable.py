"""Resumable uploads (the tus 1.0 protocol's core, creation and termination; HTTP in
agora/media/tus.py).

Each PATCH's bytes are spooled to a temporary file and stored through Django's storage API
as one part (`uploads/<id>/<offset>-<random>.part`), so the same code works on local disk and
on object storage, which cannot append. The offset moves with a conditional update: of two
PATCHes at the same offset one wins, the other gets 409 and its part is removed. Bytes that
arrived before a connection dropped are kept, so the client resumes from there.
"""

import base64
import binascii
import logging
import secrets
import tempfile
from datetime import timedelta
from typing import BinaryIO
from uuid import UUID

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from agora.accounts.models import User
from agora.core.errors import DomainError, InvalidInput, NotFound
from agora.media.errors import NotAVideo, OffsetMismatch, QuotaExceeded, TooLarge, UploadInUse
from agora.media.models import Upload, Video
from agora.media.uploads import VIDEO_HEAD_BYTES, video_extension

logger = logging.getLogger(__name__)

READ_BYTES = 1024 * 1024
METADATA_MAX_BYTES = 4096


def parse_metadata(header: str) -> dict[str, str]:
    """`Upload-Metadata`: comma-separated `key base64(value)` pairs (the value may be absent)."""
    if len(header) > METADATA_MAX_BYTES:
        raise InvalidInput("Upload-Metadata is too long.")
    metadata: dict[str, str] = {}
    for pair in filter(None, (item.strip() for item in header.split(","))):
        key, _, encoded = pair.partition(" ")
        if not key or " " in encoded.strip() or key in metadata:
            raise InvalidInput(f"Upload-Metadata has a malformed pair: {pair[:40]!r}.")
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidInput(f"Upload-Metadata's {key!r} is not base64 UTF-8.") from exc
    return metadata


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" if value else key
        for key, value in sorted(metadata.items())
    )


def used_bytes(user: User) -> int:
    """What counts against the user's quota: uploads still open and the originals of videos."""
    now = timezone.now()
    open_uploads = Upload.objects.filter(owner=user, used_at__isnull=True, expires_at__gt=now)
    uploads = open_uploads.aggregate(total=Sum("length"))["total"] or 0
    videos = Video.objects.filter(owner=user).aggregate(total=Sum("source_bytes"))["total"] or 0
    return int(uploads) + int(videos)


def check_quota(user: User, adding: int) -> None:
    if used_bytes(user) + adding > settings.MEDIA_UPLOAD_QUOTA_BYTES:
        raise QuotaExceeded()


def create_upload(*, user: User, length: int, metadata: dict[str, str]) -> Upload:
    if length <= 0:
        raise InvalidInput("Upload-Length must be a positive number of bytes.")
    if length > settings.VIDEO_MAX_BYTES:
        raise TooLarge(f"The file is larger than {settings.VIDEO_MAX_BYTES // 1_048_576} MB.")
    with transaction.atomic():
        # One user's uploads are counted under a lock on the user, so two at once cannot
        # both slip under the quota.
        User.objects.select_for_update().filter(pk=user.pk).first()
        check_quota(user, length)
        return Upload.objects.create(
            owner=user,
            length=length,
            metadata=metadata,
            expires_at=timezone.now() + timedelta(hours=settings.MEDIA_UPLOAD_EXPIRE_HOURS),
        )


def get_upload(*, user: User, upload_id: str) -> Upload:
    """The user's own upload; someone else's, an expired or a finished one is not found."""
    try:
        key = UUID(upload_id)
    except ValueError as exc:
        raise NotFound("There is no such upload.") from exc
    upload = Upload.objects.filter(
        pk=key, owner=user, expires_at__gt=timezone.now(), used_at__isnull=True
    ).first()
    if upload is None:
        raise NotFound("There is no such upload.")
    return upload


def _spool(stream: BinaryIO, limit: int, into: BinaryIO) -> int:
    """Copies at most `limit` bytes of the request body; one byte more is an error. A body
    cut short (the connection dropped) keeps what arrived."""
    received = 0
    while True:
        try:
            data = stream.read(min(READ_BYTES, limit + 1 - received))
        except OSError as exc:  # the client went away mid-body
            logger.info("upload body ended early after %s bytes: %s", received, exc)
            break
        if not data:
            break
        received += len(data)
        if received > limit:
            raise TooLarge("The body goes past Upload-Length.", status_code=413)
        into.write(data)
    return received


def append(*, upload: Upload, offset: int, stream: BinaryIO, content_length: int | None) -> Upload:
    """Stores the PATCH body at `offset` and moves the upload's offset past it."""
    if upload.offset != offset:
        raise OffsetMismatch()
    remaining = upload.length - upload.offset
    if content_length is not None and content_length > remaining:
        raise TooLarge("The body goes past Upload-Length.")
    with tempfile.TemporaryFile() as spooled:
        received = _spool(stream, remaining, spooled)
        if received == 0:
            return upload
        spooled.seek(0)
        if offset == 0:
            _check_head(upload, spooled.read(VIDEO_HEAD_BYTES), received)
            spooled.seek(0)
        name = default_storage.save(
            f"uploads/{upload.pk}/{offset:015d}-{secrets.token_hex(4)}.part", File(spooled)
        )
    with transaction.atomic():
        locked = Upload.objects.select_for_update().filter(pk=upload.pk).first()
        if locked is None or locked.used_at is not None or locked.offset != offset:
            default_storage.delete(name)
            raise OffsetMismatch("Another request moved this upload on: ask with HEAD and resume.")
        locked.offset += received
        locked.parts = [*locked.parts, name]
        locked.extension = locked.extension or upload.extension
        locked.save(update_fields=["offset", "parts", "extension", "updated_at"])
    return locked


def _check_head(upload: Upload, head: bytes, received: int) -> None:
    """The first bytes decide whether this is a video at all; anything else ends the upload."""
    if received < min(VIDEO_HEAD_BYTES, upload.length):
        raise InvalidInput(f"Send at least the first {VIDEO_HEAD_BYTES} bytes in one request.")
    extension = video_extension(head)
    if extension is None:
        terminate(upload=upload)
        raise NotAVideo()
    upload.extension = extension


def terminate(*, upload: Upload) -> None:
    """Removes the upload and its stored parts (tus termination)."""
    with transaction.atomic():
        locked = Upload.objects.select_for_update().filter(pk=upload.pk).first()
        if locked is None:
            return
        if locked.used_at is not None:
            raise UploadInUse()
        names = list(locked.parts)
        locked.delete()
    transaction.on_commit(lambda: delete_parts(names))


def delete_parts(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete upload part %s", name)


def take_upload(*, user: User, upload_id: str) -> Upload:
    """Marks the user's finished upload used (a video is made from it); caller's transaction."""
    upload = get_upload(user=user, upload_id=upload_id)
    if not upload.is_complete:
        raise DomainError(
            f"The upload has {upload.offset} of {upload.length} bytes: finish it first.",
            code="upload_incomplete",
            status_code=409,
        )
    if not upload.extension:
        raise NotAVideo()
    taken = Upload.objects.filter(pk=upload.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not taken:
        raise UploadInUse()
    upload.refresh_from_db()
    return upload


def purge_expired() -> int:
    """Removes unfinished uploads past their expiry, parts and all (a periodic job)."""
    expired = Upload.objects.filter(expires_at__lte=timezone.now(), used_at__isnull=True)
    removed = 0
    for upload in expired.iterator():
        names = list(upload.parts)
        upload.delete()
        delete_parts(names)
        removed += 1
    return removed
