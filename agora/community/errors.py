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
    QUESTION_NOT_FOUND = "question_not_found"
    ANSWER_NOT_FOUND = "answer_not_found"
    COMMENT_NOT_FOUND = "comment_not_found"
    NOTE_NOT_FOUND = "note_not_found"
    ANNOUNCEMENT_NOT_FOUND = "announcement_not_found"
    LESSON_NOT_FOUND = "lesson_not_found"
    OWN_CONTENT = "own_content"
    NOT_AUTHOR = "not_author"


class EnrollmentRequired(PermissionDenied):
    code: str = CommunityError.ENROLLMENT_REQUIRED
    message = "Only learners enrolled in this course can review it."


class AlreadyReviewed(Conflict):
    code: str = CommunityError.ALREADY_REVIEWED
    message = "You have already reviewed this course; edit your review instead."


class ModerationRefused(PermissionDenied):
    code: str = CommunityError.ADMIN_REQUIRED
    message = "Only admins can moderate reviews."


class MembershipRequired(PermissionDenied):
    code: str = CommunityError.ENROLLMENT_REQUIRED
    message = (
        "Only learners enrolled in this course and its instructors take part in its questions, "
        "comments and announcements."
    )


class OwnContent(PermissionDenied):
    code: str = CommunityError.OWN_CONTENT
    message = "You cannot vote on what you wrote yourself."


class NotAuthor(PermissionDenied):
    code: str = CommunityError.NOT_AUTHOR
    message = "Only its author (or an admin) can change or delete this."
