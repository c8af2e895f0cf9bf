"""JSON Web Tokens for the API, signed and checked with PyJWT.

Access tokens are short-lived and stateless. Refresh tokens are also JWTs, but each one is a
`RefreshToken` row too, so it can be rotated, revoked, and recognised when replayed.
Both carry a fragment of the user's auth hash (derived from the password hash), so a password
change anywhere, on the web included, makes every earlier token worthless.
"""

import functools
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import jwt
from django.conf import settings
from django.utils import timezone

from agora.accounts import user_cache
from agora.accounts.errors import AccountError
from agora.accounts.models import RefreshToken, User
from agora.core.errors import NotAuthenticated

ALGORITHM = "HS256"
ISSUER = "agora"
TokenType = Literal["access", "refresh"]
# Access tokens remembered as verified, per process (a few hundred bytes each).
VERIFIED_ACCESS_TOKENS = 4096


class InvalidToken(NotAuthenticated):
    code: str = AccountError.INVALID_TOKEN
    message = "The token is invalid, expired or revoked."


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def auth_hash(user: User) -> str:
    return user.get_session_auth_hash()[:24]


def _encode(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm=ALGORITHM)


def issue_access_token(user: User, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    return _encode(
        {
            "iss": ISSUER,
            "typ": "access",
            "sub": str(user.pk),
            "iat": int(now.timestamp()),
            "exp": int((now + settings.JWT_ACCESS_TTL).timestamp()),
            "ah": auth_hash(user),
        }
    )


def issue_refresh_token(
    user: User, *, family: uuid.UUID | None = None, user_agent: str = "", ip: str | None = None
) -> str:
    now = timezone.now()
    record = RefreshToken.objects.create(
        user=user,
        family=family or uuid.uuid4(),
        created_at=now,
        expires_at=now + settings.JWT_REFRESH_TTL,
        user_agent=user_agent[:300],
        ip_address=ip,
    )
    return _encode(
        {
            "iss": ISSUER,
            "typ": "refresh",
            "sub": str(user.pk),
            "jti": str(record.jti),
            "iat": int(now.timestamp()),
            "exp": int(record.expires_at.timestamp()),
            "ah": auth_hash(user),
        }
    )


def decode(token: str, *, expected: TokenType) -> dict[str, Any]:
    """The verified claims of `token`, or InvalidToken.

    Only HS256 with our key is accepted: `alg: none` and every other algorithm fail here.
    An access token is verified once per process (`_verified_access`): a client sends the
    same one with every call until it expires, and its expiry is checked on every use.
    """
    if expected == "access":
        remembered = _verified_access(token, settings.JWT_SIGNING_KEY)
        if remembered is None:
            raise InvalidToken("This is not an access token.")
        if not time.time() < remembered["exp"]:  # as PyJWT checks it, without leeway
            raise InvalidToken()
        return dict(remembered)
    claims = _verify(token, settings.JWT_SIGNING_KEY)
    if claims.get("typ") != expected:
        raise InvalidToken(f"This is not a {expected} token.")
    return claims


def _verify(token: str, key: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "typ", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken() from exc
    return claims


@functools.lru_cache(maxsize=VERIFIED_ACCESS_TOKENS)
def _verified_access(token: str, key: str) -> dict[str, Any] | None:
    """The claims of a good access token signed with `key` (None: a good token of another
    type), remembered; a bad token raises and is not remembered. The key is part of what is
    remembered, so a new signing key verifies afresh. Whether the token has expired since
    is the caller's to check, and whether it is still its person's (`user_for_claims`)."""
    claims = _verify(token, key)
    return claims if claims.get("typ") == "access" else None


def subject_id(claims: dict[str, Any]) -> int:
    """The id of the person the claims speak of."""
    subject = str(claims["sub"])
    if not subject.isdecimal():
        raise InvalidToken()
    return int(subject)


def user_for_claims(claims: dict[str, Any], cached: object = user_cache.UNREAD) -> User:
    """The active user the claims belong to, if the token is still theirs to use (`cached`:
    what the caller already read from the user cache)."""
    user = user_cache.active_user(subject_id(claims), cached)
    if user is None or claims.get("ah") != auth_hash(user):
        raise InvalidToken()
    return user
