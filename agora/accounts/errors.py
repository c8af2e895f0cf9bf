"""The accounts app's error codes and the errors only it raises."""

from enum import StrEnum

from agora.core.errors import Conflict, DomainError, NotAuthenticated, PermissionDenied


class AccountError(StrEnum):
    """Codes the accounts endpoints and pages answer with."""

    EMAIL_TAKEN = "email_taken"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_TOKEN = "invalid_token"  # noqa: S105 - a code, not a secret
    ACCOUNT_SUSPENDED = "account_suspended"
    ACCOUNT_ERASED = "account_erased"
    EMAIL_NOT_VERIFIED = "email_not_verified"
    OTP_REQUIRED = "otp_required"
    INVALID_VERIFICATION_KEY = "invalid_verification_key"
    INVALID_RESET_TOKEN = "invalid_reset_token"  # noqa: S105 - a code, not a secret
    CANNOT_SUSPEND_SELF = "cannot_suspend_self"
    USER_NOT_FOUND = "user_not_found"
    ADMIN_REQUIRED = "admin_required"
    INSTRUCTOR_REQUIRED = "instructor_required"


class EmailTaken(Conflict):
    code: str = AccountError.EMAIL_TAKEN
    message = "An account with this email already exists."


class InvalidCredentials(NotAuthenticated):
    code: str = AccountError.INVALID_CREDENTIALS
    message = "The email or password is wrong."


class AccountSuspended(PermissionDenied):
    code: str = AccountError.ACCOUNT_SUSPENDED
    message = "This account is suspended. Contact support if you think this is a mistake."


class EmailNotVerified(PermissionDenied):
    code: str = AccountError.EMAIL_NOT_VERIFIED
    message = "Confirm your email address first: follow the link we sent you."


class OtpRequired(NotAuthenticated):
    code: str = AccountError.OTP_REQUIRED
    message = "This account uses two-factor authentication: send the current code as `otp`."


class InvalidVerificationKey(DomainError):
    status_code = 400
    code: str = AccountError.INVALID_VERIFICATION_KEY
    message = "This confirmation link is invalid or expired. Ask for a new one."


class InvalidResetToken(DomainError):
    status_code = 400
    code: str = AccountError.INVALID_RESET_TOKEN
    message = "This reset link is invalid, expired or already used. Ask for a new one."
