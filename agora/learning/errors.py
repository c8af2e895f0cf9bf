"""The learning app's error codes and the errors only it raises."""

from enum import StrEnum

from agora.core.errors import DomainError, NotFound


class LearningError(StrEnum):
    """Codes the learning endpoints and pages answer with (some are shared with the catalog,
    whose course and lesson they are about)."""

    COURSE_NOT_FOUND = "course_not_found"
    LESSON_NOT_FOUND = "lesson_not_found"
    OWN_COURSE = "own_course"
    PAYMENT_REQUIRED = "payment_required"
    QUIZ_NOT_FOUND = "quiz_not_found"
    QUIZ_NOT_PASSED = "quiz_not_passed"
    QUIZ_EMPTY = "quiz_empty"
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"
    CERTIFICATE_NOT_FOUND = "certificate_not_found"
    CERTIFICATE_REVOKED = "certificate_revoked"
    EXERCISE_NOT_FOUND = "exercise_not_found"
    EXERCISE_NOT_RUNNABLE = "exercise_not_runnable"
    EXERCISE_NOT_PASSED = "exercise_not_passed"
    CODE_RUN_NOT_FOUND = "code_run_not_found"
    ASSIGNMENT_NOT_FOUND = "assignment_not_found"
    SUBMISSION_NOT_FOUND = "submission_not_found"
    ALREADY_GRADED = "already_graded"
    ASSIGNMENT_NOT_PASSED = "assignment_not_passed"


class PaymentRequired(DomainError):
    status_code = 402
    code: str = LearningError.PAYMENT_REQUIRED
    message = "This course is paid: buy it at checkout (POST /api/v1/checkout)."


class CertificateNotFound(NotFound):
    code: str = LearningError.CERTIFICATE_NOT_FOUND
    message = "There is no certificate with this code."


class CertificateRevoked(DomainError):
    status_code = 410
    code: str = LearningError.CERTIFICATE_REVOKED
    message = "This certificate was revoked: the course access it certified has ended."
