"""API authentication: `Authorization: Bearer <access JWT>`."""

from typing import cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer

from agora.accounts import tokens, user_cache
from agora.accounts.errors import AccountError
from agora.accounts.models import User
from agora.accounts.permissions import can_teach
from agora.core import ratelimit
from agora.core.errors import PermissionDenied
from agora.core.permissions import is_admin


class JWTAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User:
        claims = tokens.decode(token, expected="access")
        user_id = tokens.subject_id(claims)
        # The person's limit and their cached row in one round trip; an invalid token still
        # answers 401 before a 429.
        current, cached = ratelimit.hit_and_read(
            request,
            group="api-user",
            key=str(user_id),
            rate=settings.API_RATE_LIMIT_PER_USER,
            read_key=user_cache.key(user_id),
        )
        user = tokens.user_for_claims(claims, cached)
        ratelimit.refuse_over_limit(current)
        request.user = user
        return user


class AdminAuth(JWTAuth):
    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = super().authenticate(request, token)
        if not is_admin(user):
            raise PermissionDenied("Only admins can do this.", code=AccountError.ADMIN_REQUIRED)
        return user


class InstructorAuth(JWTAuth):
    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = super().authenticate(request, token)
        if not can_teach(user):
            raise PermissionDenied(
                "Become an instructor first (POST /api/v1/me/instructor).",
                code=AccountError.INSTRUCTOR_REQUIRED,
            )
        return user


jwt_auth = JWTAuth()
admin_auth = AdminAuth()
instructor_auth = InstructorAuth()


def current_user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)  # noqa: S101 - the route's auth guarantees it
    return user


def viewer(request: HttpRequest) -> User | AnonymousUser:
    """The caller of a public endpoint: the signed-in user when a valid Bearer token comes
    with the request, anonymous when none does. A bad token is still a 401."""
    header = request.headers.get("Authorization", "")
    if not header:
        return AnonymousUser()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise tokens.InvalidToken("Send the access token as `Authorization: Bearer <token>`.")
    return jwt_auth.authenticate(request, token.strip())


def signed_in(request: HttpRequest) -> User:
    """The signed-in user of a page behind `login_required` (or a stricter guard)."""
    return cast(User, request.user)
