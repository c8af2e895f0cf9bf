"""The media app's error codes and errors."""

from enum import StrEnum

from agora.core.errors import PermissionDenied


class MediaError(StrEnum):
    MEDIA_LINK_REFUSED = "media_link_refused"


class LinkRefused(PermissionDenied):
    code: str = MediaError.MEDIA_LINK_REFUSED
    message = "This media link is not valid (it may have expired): reload the page."
