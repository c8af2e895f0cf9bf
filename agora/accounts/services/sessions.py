"""Signing in and out: password and second factor, token pairs, their rotation and
revocation."""

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest
from django.utils import timezone

from agora.accounts import throttling, tokens
from agora.accounts.errors import (
    AccountSuspended,
    EmailNotVerified,
    InvalidCredentials,
    OtpRequired,
)
from agora.accounts.models import RefreshToken, User, new_auth_stamp, normalize_email
from agora.accounts.queries import is_email_verified

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignedIn:
    user: User
    access: str
    refresh: str


def _request_meta(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {}
    return {
        "user_agent": request.headers.get("User-Agent", ""),
        "ip": getattr(request, "client_ip", None),
    }


def sign_in(user: User, request: HttpRequest | None) -> SignedIn:
    """A new token pair for the user (a new sign-in family)."""
    refresh = tokens.issue_refresh_token(user, **_request_meta(request))
    return SignedIn(user=user, access=tokens.issue_access_token(user), refresh=refresh)


def _check_second_factor(user: User, otp: str | None) -> bool:
    authenticators = list(
        Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.WEBAUTHN)
    )
    if not authenticators:
        return True
    if not otp:
        raise OtpRequired()
    for authenticator in authenticators:
        if authenticator.wrap().validate_code(otp.strip()):
            authenticator.record_usage()
            return True
    return False


def login_with_password(
    *, email: str, password: str, otp: str | None = None, request: HttpRequest
) -> SignedIn:
    """Checks the credentials under the login throttle and issues a token pair.

    Wrong email and wrong password answer the same, in about the same time.
    """
    email = normalize_email(email)
    address = request.client_ip  # type: ignore[attr-defined]
    throttling.check_login_allowed(request, email=email, address=address)
    user = User.objects.filter(email__iexact=email).first()
    if user is None or user.erased_at is not None:
        make_password(password)  # spend the hashing time anyway
        throttling.record_login_failure(request, email=email, address=address)
        raise InvalidCredentials()
    if not user.check_password(password) or not _check_second_factor(user, otp):
        throttling.record_login_failure(request, email=email, address=address)
        raise InvalidCredentials()
    if user.is_suspended or not user.is_active:
        raise AccountSuspended()
    if settings.REQUIRE_EMAIL_VERIFICATION and not is_email_verified(user):
        raise EmailNotVerified()
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return sign_in(user, request)


def _refresh_record(claims: dict[str, Any]) -> RefreshToken:
    try:
        jti = uuid.UUID(str(claims.get("jti")))
    except ValueError as exc:
        raise tokens.InvalidToken() from exc
    record = RefreshToken.objects.filter(jti=jti).first()
    if record is None:
        raise tokens.InvalidToken()
    return record


def rotate_refresh_token(*, refresh: str, request: HttpRequest) -> SignedIn:
    """Trades a refresh token for a new pair. A token used twice revokes its whole family:
    someone holds a copy, and we cannot tell which holder is the real user."""
    claims = tokens.decode(refresh, expected="refresh")
    now = timezone.now()
    record = _refresh_record(claims)
    won = (
        RefreshToken.objects.filter(pk=record.pk, used_at__isnull=True, revoked_at__isnull=True)
        .filter(expires_at__gt=now)
        .update(used_at=now)
    )
    if not won:
        if record.used_at is not None:
            logger.warning("refresh token reuse for user %s; family revoked", record.user_id)
        RefreshToken.objects.filter(family=record.family, revoked_at__isnull=True).update(
            revoked_at=now
        )
        raise tokens.InvalidToken("This refresh token was already used or revoked.")
    user = tokens.user_for_claims(claims)
    new_refresh = tokens.issue_refresh_token(user, family=record.family, **_request_meta(request))
    return SignedIn(user=user, access=tokens.issue_access_token(user), refresh=new_refresh)


def logout(*, refresh: str) -> None:
    """Ends the sign-in the refresh token belongs to. Logging out twice is fine."""
    record = _refresh_record(tokens.decode(refresh, expected="refresh"))
    RefreshToken.objects.filter(family=record.family, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def end_sign_in(*, user: User, family: uuid.UUID) -> bool:
    """Signs one app out (a sign-in's whole token family). False if it was over already or is
    not the person's."""
    ended = RefreshToken.objects.filter(user=user, family=family, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return ended > 0


def revoke_all_tokens(*, user: User) -> int:
    return RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def sign_out_everywhere(*, user: User) -> None:
    """Ends every web session and API token of the user, for good: a new auth stamp changes
    the hash that sessions and tokens carry, so lifting a suspension revives none of them."""
    user.auth_stamp = new_auth_stamp()
    user.save(update_fields=["auth_stamp"])
    revoke_all_tokens(user=user)
