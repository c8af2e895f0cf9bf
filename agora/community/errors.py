"""The community app's error codes and the errors only it raises."""

from enum import StrEnum

from agora.core.errors import Conflict, PermissionDenied


class CommunityError(StrEnum):
    """Codes the reviews endpoints and pages answer with."""

    REVIEW_NOT_FOUND = "review_not_found"
    COURSE_NOT_FOUND = "course_not_found"
    ENROLLMENT_REQUIRED = "enrollment_required"
    ALREADY_REVIEWED = "already_reviewed"
    OWN_COURSE = "own_course"
    NOT_REVIEW_AUTHOR = "not_review_author"
    INSTRUCTOR_REQUIRED = "instructor_required"
    ADMIN_REQUIRED = "admin_required"


class EnrollmentRequired(PermissionDenied):
    code: str = CommunityError.ENROLLMENT_REQUIRED
    message = "Only learners enrolled in this course can review it."


class AlreadyReviewed(Conflict):
    code: str = CommunityError.ALREADY_REVIEWED
    message = "You have already reviewed this course; edit your review instead."


class ModerationRefused(PermissionDenied):
    code: str = CommunityError.ADMIN_REQUIRED
    message = "Only admins can moderate reviews."
