"""The catalog app's error codes and the errors only it raises."""

from enum import StrEnum

from agora.core.errors import Conflict, PermissionDenied


class CatalogError(StrEnum):
    """Codes the catalog endpoints and pages answer with."""

    COURSE_NOT_FOUND = "course_not_found"
    MODULE_NOT_FOUND = "module_not_found"
    LESSON_NOT_FOUND = "lesson_not_found"
    RESOURCE_NOT_FOUND = "resource_not_found"
    ENROLLMENT_REQUIRED = "enrollment_required"
    INVALID_STATUS = "invalid_status"
    COURSE_INCOMPLETE = "course_incomplete"
    LESSON_MOVED = "lesson_moved"
    OWNER_REQUIRED = "owner_required"
    INSTRUCTOR_REQUIRED = "instructor_required"


class EnrollmentRequired(PermissionDenied):
    code: str = CatalogError.ENROLLMENT_REQUIRED
    message = "Enroll in this course to open this lesson."


class InvalidTransition(Conflict):
    code: str = CatalogError.INVALID_STATUS
