"""The messaging app's error codes and the errors only it raises."""

from enum import StrEnum

from agora.core.errors import NotFound, PermissionDenied


class MessagingError(StrEnum):
    NOT_ALLOWED = "not_allowed"
    BLOCKED = "blocked"
    ENROLLMENT_REQUIRED = "enrollment_required"
    CONVERSATION_NOT_FOUND = "conversation_not_found"
    MESSAGE_NOT_FOUND = "message_not_found"
    USER_NOT_FOUND = "user_not_found"
    ALREADY_REPORTED = "already_reported"
    CLIENT_ID_REUSED = "client_id_reused"


class NotAllowed(PermissionDenied):
    code: str = MessagingError.NOT_ALLOWED
    message = (
        "You can message the instructors of courses you are enrolled in, your learners, and "
        "the site's admins."
    )


class Blocked(PermissionDenied):
    code: str = MessagingError.BLOCKED
    message = "This person does not accept messages from you."


class ChatEnrollmentRequired(PermissionDenied):
    code: str = MessagingError.ENROLLMENT_REQUIRED
    message = "Only the course's enrolled learners and instructors take part in its chat."


class ConversationNotFound(NotFound):
    code: str = MessagingError.CONVERSATION_NOT_FOUND
    message = "There is no such conversation."
