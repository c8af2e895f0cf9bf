from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from agora.accounts import queries
from agora.accounts.auth import admin_auth, current_user, jwt_auth
from agora.accounts.models import User
from agora.accounts.schemas import (
    AdminUserOut,
    AuthOut,
    ForgotIn,
    LoginIn,
    ProfileIn,
    RefreshIn,
    RegisteredOut,
    RegisterIn,
    ResetIn,
    SuspendIn,
    TokensOut,
    UserOut,
    VerifyEmailIn,
)
from agora.accounts.services import (
    passwords,
    personal_data,
    profile,
    registration,
    sessions,
    suspension,
)
from agora.core import ratelimit
from agora.core.pagination import PagePagination
from agora.core.schemas import ErrorOut

router = Router(tags=["accounts"])

E = ErrorOut  # every error answer has the same envelope


@router.post(
    "/auth/register",
    response={201: RegisteredOut, 409: E, 422: E, 429: E},
    summary="Create an account",
)
def register(request: HttpRequest, payload: RegisterIn) -> Status[registration.Registered]:
    ratelimit.hit_per_address(request, group="register-address", rate="30/h")
    return Status(
        201,
        registration.register_user(
            email=payload.email, password=payload.password, name=payload.name, request=request
        ),
    )


@router.post(
    "/auth/login",
    response={200: AuthOut, 401: E, 403: E, 422: E, 429: E},
    summary="Sign in with email and password",
)
def login(request: HttpRequest, payload: LoginIn) -> sessions.SignedIn:
    return sessions.login_with_password(
        email=payload.email, password=payload.password, otp=payload.otp, request=request
    )


@router.post(
    "/auth/refresh",
    response={200: TokensOut, 401: E, 422: E},
    summary="Trade a refresh token for a new access and refresh token",
)
def refresh(request: HttpRequest, payload: RefreshIn) -> sessions.SignedIn:
    return sessions.rotate_refresh_token(refresh=payload.refresh, request=request)


@router.post("/auth/logout", response={204: None, 401: E, 422: E}, summary="Revoke a sign-in")
def logout(request: HttpRequest, payload: RefreshIn) -> Status[None]:
    sessions.logout(refresh=payload.refresh)
    return Status(204, None)


@router.post(
    "/auth/password/forgot",
    response={202: None, 422: E, 429: E},
    summary="Email a password-reset link (answers 202 whether or not the account exists)",
)
def forgot_password(request: HttpRequest, payload: ForgotIn) -> Status[None]:
    # Password resets fail closed without the cache, like sign-in (agora/core/ratelimit.py).
    ratelimit.hit_per_address(request, group="forgot-address", rate="20/h", fail_closed=True)
    passwords.request_password_reset(email=payload.email, request=request)
    return Status(202, None)


@router.post(
    "/auth/password/reset",
    response={204: None, 400: E, 422: E, 429: E},
    summary="Set a new password with the token from the reset email",
)
def reset_password(request: HttpRequest, payload: ResetIn) -> Status[None]:
    ratelimit.hit_per_address(request, group="reset-address", rate="30/h", fail_closed=True)
    passwords.reset_password(token=payload.token, password=payload.password)
    return Status(204, None)


@router.post(
    "/auth/email/verify",
    response={204: None, 400: E, 422: E, 429: E},
    summary="Confirm an email address with the key from the confirmation email",
)
def verify_email(request: HttpRequest, payload: VerifyEmailIn) -> Status[None]:
    ratelimit.hit_per_address(request, group="verify-email-address", rate="60/h")
    registration.confirm_email(key=payload.key, request=request)
    return Status(204, None)


@router.post(
    "/auth/email/resend",
    auth=jwt_auth,
    response={202: None, 401: E, 429: E},
    summary="Send me a new confirmation email (nothing is sent once confirmed)",
)
def resend_verification(request: HttpRequest) -> Status[None]:
    registration.resend_verification_email(user=current_user(request), request=request)
    return Status(202, None)


@router.get("/me", auth=jwt_auth, response={200: UserOut, 401: E}, summary="My account")
def me(request: HttpRequest) -> User:
    return current_user(request)


@router.patch(
    "/me", auth=jwt_auth, response={200: UserOut, 401: E, 422: E}, summary="Edit my profile"
)
def update_me(request: HttpRequest, payload: ProfileIn) -> User:
    return profile.update_profile(user=current_user(request), changes=payload.changes())


@router.post(
    "/me/avatar",
    auth=jwt_auth,
    response={200: UserOut, 401: E, 422: E},
    summary="Upload my profile picture (PNG, JPEG, GIF or WebP)",
)
def upload_avatar(request: HttpRequest, file: File[UploadedFile]) -> User:
    return profile.set_avatar(user=current_user(request), upload=file)


@router.post(
    "/me/instructor",
    auth=jwt_auth,
    response={200: UserOut, 401: E},
    summary="Become an instructor (everyone can learn and teach)",
)
def become_instructor(request: HttpRequest) -> User:
    return profile.become_instructor(user=current_user(request))


@router.get("/me/export", auth=jwt_auth, response={200: dict, 401: E}, summary="Export all my data")
def export_me(request: HttpRequest) -> dict[str, Any]:
    return personal_data.export_user_data(user=current_user(request))


@router.delete(
    "/me",
    auth=jwt_auth,
    response={204: None, 401: E},
    summary="Erase my account (financial records are kept, anonymised)",
)
def erase_me(request: HttpRequest) -> Status[None]:
    personal_data.erase_user(user=current_user(request))
    return Status(204, None)


# --- admin -----------------------------------------------------------------------------------
@router.get(
    "/admin/users",
    auth=admin_auth,
    response={200: list[AdminUserOut], 401: E, 403: E},
    summary="List users (admins)",
    tags=["admin"],
)
@paginate(PagePagination)
def list_users(
    request: HttpRequest, q: str = "", role: str = "", suspended: bool | None = None
) -> QuerySet[User]:
    return queries.users_for_admin(q=q, role=role, suspended=suspended)


@router.post(
    "/admin/users/{user_id}/suspend",
    auth=admin_auth,
    response={200: AdminUserOut, 401: E, 403: E, 404: E, 409: E},
    summary="Suspend a user: their tokens and sessions stop working at once",
    tags=["admin"],
)
def suspend(request: HttpRequest, user_id: int, payload: SuspendIn | None = None) -> User:
    return suspension.suspend_user(
        actor=current_user(request),
        user=queries.get_user_for_admin(user_id=user_id),
        reason=payload.reason if payload else "",
    )


@router.post(
    "/admin/users/{user_id}/unsuspend",
    auth=admin_auth,
    response={200: AdminUserOut, 401: E, 403: E, 404: E, 409: E},
    summary="Lift a suspension",
    tags=["admin"],
)
def unsuspend(request: HttpRequest, user_id: int) -> User:
    return suspension.unsuspend_user(
        actor=current_user(request), user=queries.get_user_for_admin(user_id=user_id)
    )
