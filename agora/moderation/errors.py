"""The moderation app's error codes."""

from enum import StrEnum


class ModerationError(StrEnum):
    ALREADY_REPORTED = "already_reported"
    REPORT_NOT_FOUND = "report_not_found"
    ALREADY_RESOLVED = "already_resolved"
    TARGET_NOT_FOUND = "target_not_found"
    ADMIN_REQUIRED = "admin_required"
