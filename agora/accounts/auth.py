"""API authentication: `Authorization: Bearer <access JWT>`."""

from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer

from agora.accounts import tokens, user_cache
from agora.accounts.errors import AccountError
from agora.accounts.models import User
from agora.accounts.permissions import can_teach
from agora.core import ratelimit, read_ahead
from agora.core.errors import PermissionDenied
from agora.core.permissions import is_admin

API_USER_GROUP = "api-user"


@dataclass(frozen=True)
class CountedCall:
    """What the rate-limit middleware learnt of a bearer call's token, so that its auth
    neither decodes the token again nor makes a second round trip to Redis: the verified
    claims, the person's limit counted, and the person's cached row (`user_cache`)."""

    token: str
    claims: dict[str, Any]
    usage: ratelimit.Usage | None
    cached: Any


def count_bearer_call(request: HttpRequest, token: str, address_limit: tuple[str, str]) -> bool:
    """Counts a bearer API call against its address's limit (`address_limit`: group, rate)
    and, when the token is a good access token, against its person's limit while reading
    the person's cached row and what its view is known to need (read_ahead), all in one
    round trip; raises RateLimited over the address's limit. False when the token is not
    good: the address alone was not counted yet (the route's auth answers 401 for it)."""
    try:
        claims = tokens.decode(token, expected="access")
        user_id = tokens.subject_id(claims)
    except tokens.InvalidToken:
        return False
    group, rate = address_limit
    request.bearer_user_id = user_id  # type: ignore[attr-defined]  # for the planners
    (by_address, by_person), cached = ratelimit.hits_and_read(
        request,
        [
            (group, ratelimit.address_key(request), rate),
            (API_USER_GROUP, str(user_id), settings.API_RATE_LIMIT_PER_USER),
        ],
        read_key=user_cache.key(user_id),
        ahead=read_ahead.plan(request),
    )
    request.counted_call = CountedCall(token, claims, by_person, cached)  # type: ignore[attr-defined]
    ratelimit.refuse_over_limit(by_address)
    return True


def bearer_user_id(request: HttpRequest) -> int | None:
    """Whose good access token a bearer call carries, once the rate-limit middleware has
    decoded it (before it plans what to read ahead); None for any other request."""
    user_id: int | None = getattr(request, "bearer_user_id", None)
    return user_id


def authenticated_ahead(request: HttpRequest) -> User | None:
    """The caller of a bearer call, as JWTAuth finds them, from what the rate-limit
    middleware decoded, counted and read; None where JWTAuth would not simply let them in
    (no such count, a token no longer theirs, over their limit): an answer given ahead of
    the view leaves those to it."""
    counted = getattr(request, "counted_call", None)
    if not isinstance(counted, CountedCall):
        return None
    usage = counted.usage
    if usage is not None and usage.count > usage.limit:
        return None
    try:
        user = tokens.user_for_claims(counted.claims, counted.cached)
    except tokens.InvalidToken:
        return None
    request.user = user
    return user


class JWTAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User:
        counted = getattr(request, "counted_call", None)
        if isinstance(counted, CountedCall) and counted.token == token.strip():
            claims, current, cached = counted.claims, counted.usage, counted.cached
        else:
            claims = tokens.decode(token, expected="access")
            user_id = tokens.subject_id(claims)
            # The person's limit and their cached row in one round trip.
            current, cached = ratelimit.hit_and_read(
                request,
                group=API_USER_GROUP,
                key=str(user_id),
                rate=settings.API_RATE_LIMIT_PER_USER,
                read_key=user_cache.key(user_id),
            )
        # An invalid token still answers 401 before a 429.
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
