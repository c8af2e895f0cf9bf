"""The media app's error codes and errors."""

from enum import StrEnum

from agora.core.errors import Conflict, DomainError, PermissionDenied


class MediaError(StrEnum):
    MEDIA_LINK_REFUSED = "media_link_refused"
    UPLOAD_OFFSET_MISMATCH = "upload_offset_mismatch"
    UPLOAD_TOO_LARGE = "upload_too_large"
    UPLOAD_QUOTA_EXCEEDED = "upload_quota_exceeded"
    UPLOAD_NOT_VIDEO = "upload_not_video"
    UPLOAD_INCOMPLETE = "upload_incomplete"
    UPLOAD_IN_USE = "upload_in_use"
    TUS_VERSION_UNSUPPORTED = "tus_version_unsupported"
    NO_VIDEO = "no_video"


class LinkRefused(PermissionDenied):
    code: str = MediaError.MEDIA_LINK_REFUSED
    message = "This media link is not valid (it may have expired): reload the page."


class OffsetMismatch(Conflict):
    code: str = MediaError.UPLOAD_OFFSET_MISMATCH
    message = "Upload-Offset is not where the upload stands: ask with HEAD and resume from there."


class TooLarge(DomainError):
    status_code = 413
    code: str = MediaError.UPLOAD_TOO_LARGE
    message = "The file is too large."


class QuotaExceeded(DomainError):
    status_code = 413
    code: str = MediaError.UPLOAD_QUOTA_EXCEEDED
    message = "This upload would go past your storage quota: remove old videos first."


class NotAVideo(DomainError):
    status_code = 415
    code: str = MediaError.UPLOAD_NOT_VIDEO
    message = "Upload an MP4 (H.264) or WebM video."


class UploadInUse(Conflict):
    code: str = MediaError.UPLOAD_IN_USE
    message = "A video was already made from this upload: it can no longer change."
