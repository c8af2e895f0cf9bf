"""Every write about people: sign-up, sign-in, tokens, profiles, roles, suspension, erasure."""

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allauth.account.forms import ResetPasswordForm, UserTokenForm
from allauth.account.models import EmailAddress, get_emailconfirmation_model
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from agora.accounts import throttling, tokens
from agora.accounts.models import RefreshToken, User, new_auth_stamp, normalize_email
from agora.accounts.queries import is_email_verified
from agora.core import ratelimit
from agora.core.errors import Conflict, DomainError, InvalidInput, NotAuthenticated
from agora.core.errors import PermissionDenied as Forbidden
from agora.core.mail import queue_templated_email

logger = logging.getLogger(__name__)


class EmailTaken(Conflict):
    code = "email_taken"
    message = "An account with this email already exists."


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    message = "The email or password is wrong."


class AccountSuspended(Forbidden):
    code = "account_suspended"
    message = "This account is suspended. Contact support if you think this is a mistake."


class EmailNotVerified(Forbidden):
    code = "email_not_verified"
    message = "Confirm your email address first: follow the link we sent you."


class OtpRequired(NotAuthenticated):
    code = "otp_required"
    message = "This account uses two-factor authentication: send the current code as `otp`."


@dataclass(frozen=True)
class SignedIn:
    user: User
    access: str
    refresh: str


@dataclass(frozen=True)
class Registered:
    """A new account; signed in at once unless its email must be confirmed first."""

    user: User
    access: str | None
    refresh: str | None


def _request_meta(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {}
    return {
        "user_agent": request.headers.get("User-Agent", ""),
        "ip": getattr(request, "client_ip", None),
    }


def _sign_in(user: User, request: HttpRequest | None) -> SignedIn:
    refresh = tokens.issue_refresh_token(user, **_request_meta(request))
    return SignedIn(user=user, access=tokens.issue_access_token(user), refresh=refresh)


# --- sign-up ---------------------------------------------------------------------------------
def _validated_email(email: str) -> str:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(fields={"email": ["Enter a valid email address."]}) from exc
    return email


def _validate_new_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            "Choose a stronger password.", fields={"password": list(exc.messages)}
        ) from exc


def register_user(*, email: str, password: str, name: str, request: HttpRequest) -> Registered:
    """Creates a learner account and sends the welcome and verification emails.

    The account is signed in at once, except when REQUIRE_EMAIL_VERIFICATION is on: then no
    token is issued until the address is confirmed (login refuses it the same way).
    """
    email = _validated_email(email)
    name = name.strip()
    if not name:
        raise InvalidInput(fields={"name": ["Tell us your name."]})
    user = User(email=email, name=name)
    _validate_new_password(password, user)
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken()
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            address = EmailAddress.objects.create(
                user=user, email=email, primary=True, verified=False
            )
    except IntegrityError as exc:  # a concurrent sign-up with the same address won
        raise EmailTaken() from exc
    address.send_confirmation(request, signup=True)
    send_welcome_email(user=user)
    if settings.REQUIRE_EMAIL_VERIFICATION:
        return Registered(user=user, access=None, refresh=None)
    signed_in = _sign_in(user, request)
    return Registered(user=user, access=signed_in.access, refresh=signed_in.refresh)


def send_welcome_email(*, user: User) -> None:
    queue_templated_email(to=user.email, template="accounts/email/welcome", context={"user": user})


class InvalidVerificationKey(DomainError):
    status_code = 400
    code = "invalid_verification_key"
    message = "This confirmation link is invalid or expired. Ask for a new one."


def confirm_email(*, key: str, request: HttpRequest) -> User:
    """Confirms an address with the key from the confirmation email (the last part of its
    link). A key works once."""
    confirmation = get_emailconfirmation_model().from_key(key.strip().strip("/"))
    if confirmation is None:
        raise InvalidVerificationKey()
    address = confirmation.confirm(request)
    if address is None:
        raise InvalidVerificationKey()
    return address.user


def resend_verification_email(*, user: User, request: HttpRequest) -> None:
    """Sends a fresh confirmation link, at most a few an hour, unless already confirmed."""
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"primary": True}
    )
    if address.verified:
        return
    ratelimit.hit(request, group="verification-email", key=str(user.pk), rate="5/h")
    address.send_confirmation(request)


# --- sign-in ---------------------------------------------------------------------------------
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
    return _sign_in(user, request)


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


# --- passwords -------------------------------------------------------------------------------
RESET_EMAILS_PER_MAILBOX = "5/h"


def request_password_reset(*, email: str, request: HttpRequest) -> None:
    """Emails a single-use, expiring reset link to a real, active account; to nobody else.

    At most RESET_EMAILS_PER_MAILBOX links go to one mailbox, however many addresses ask:
    past that the request is dropped silently (answering 429 would let anyone block a
    person's resets, and would tell the email apart from unknown ones).
    """
    form = ResetPasswordForm(data={"email": email})
    if not form.is_valid():
        return
    mailbox = hashlib.sha256(normalize_email(email).encode()).hexdigest()
    sent = ratelimit.usage(
        request,
        group="reset-mailbox",
        key=mailbox,
        rate=RESET_EMAILS_PER_MAILBOX,
        increment=True,
        fail_closed=True,
    )
    if sent is not None and sent.count > sent.limit:
        logger.info("password reset emails to one mailbox over the limit; not sending")
        return
    form.save(request)


def reset_password(*, token: str, password: str) -> User:
    """Uses the token from the reset email (`<uid>-<key>`, the last part of its link)."""
    uidb36, _, key = token.strip().strip("/").partition("-")
    form = UserTokenForm(data={"uidb36": uidb36, "key": key})
    if not form.is_valid() or form.reset_user is None:
        raise DomainError(
            "This reset link is invalid, expired or already used. Ask for a new one.",
            code="invalid_reset_token",
            status_code=400,
        )
    user: User = form.reset_user
    if not user.is_active:
        raise DomainError(
            "This reset link is invalid, expired or already used. Ask for a new one.",
            code="invalid_reset_token",
            status_code=400,
        )
    _validate_new_password(password, user)
    set_password(user=user, password=password)
    return user


def set_password(*, user: User, password: str) -> None:
    """Changes the password and ends every other sign-in: tokens and web sessions alike
    (sessions and tokens carry the old password's auth hash, which no longer matches)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        revoke_all_tokens(user=user)
        # A verified reset link proves the mailbox too.
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    queue_templated_email(
        to=user.email, template="accounts/email/password_changed", context={"user": user}
    )


# --- profile and roles -----------------------------------------------------------------------
PROFILE_FIELDS = ("name", "headline", "bio", "links")


def update_profile(*, user: User, changes: dict[str, Any]) -> User:
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(fields={field: ["This field cannot be changed."] for field in unknown})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise InvalidInput(fields={"name": ["Tell us your name."]})
    renamed = "name" in changes and changes["name"] != user.name
    with transaction.atomic():
        for field, value in changes.items():
            setattr(user, field, value)
        user.save(update_fields=list(changes))
        if renamed:
            _announce_rename(user)
    return user


# Other apps that copy a person's name (the catalog's search text) hear of renames here,
# registered from their AppConfig.ready(), so accounts never imports them.
RenameListener = Callable[[User], None]
_rename_listeners: list[RenameListener] = []


def register_rename_listener(listener: RenameListener) -> None:
    if listener not in _rename_listeners:
        _rename_listeners.append(listener)


def _announce_rename(user: User) -> None:
    for listener in _rename_listeners:
        listener(user)


def become_instructor(*, user: User) -> User:
    if not user.is_instructor:
        user.is_instructor = True
        user.save(update_fields=["is_instructor"])
    return user


# --- suspension ------------------------------------------------------------------------------
def suspend_user(*, actor: User, user: User, reason: str = "") -> User:
    """Stops the user's tokens and sessions at their next request, and for good."""
    if actor.pk == user.pk:
        raise Conflict("You cannot suspend yourself.", code="cannot_suspend_self")
    if user.is_superuser and not actor.is_superuser:
        raise Forbidden("Only a superuser can suspend a superuser.")
    with transaction.atomic():
        user.is_active = False
        user.suspended_at = user.suspended_at or timezone.now()
        user.suspension_reason = reason[:500]
        user.save(update_fields=["is_active", "suspended_at", "suspension_reason"])
        sign_out_everywhere(user=user)
    logger.info("user %s suspended by %s", user.pk, actor.pk)
    return user


def unsuspend_user(*, actor: User, user: User) -> User:
    if user.erased_at is not None:
        raise Conflict("An erased account cannot be restored.", code="account_erased")
    user.is_active = True
    user.suspended_at = None
    user.suspension_reason = ""
    user.save(update_fields=["is_active", "suspended_at", "suspension_reason"])
    logger.info("user %s unsuspended by %s", user.pk, actor.pk)
    return user


# --- personal data ---------------------------------------------------------------------------
# Other apps add their part of a person's data (and of its erasure) here, from their
# AppConfig.ready(), so accounts never needs to know them.
DataExporter = Callable[[User], Any]
DataEraser = Callable[[User], None]
_exporters: dict[str, DataExporter] = {}
_erasers: dict[str, DataEraser] = {}


def register_personal_data(name: str, *, export: DataExporter, erase: DataEraser) -> None:
    _exporters[name] = export
    _erasers[name] = erase


def export_user_data(*, user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "headline": user.headline,
            "bio": user.bio,
            "links": user.links,
            "avatar": user.avatar.name or None,
            "roles": user.roles,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "sign_ins": [
            {
                "created_at": t.created_at.isoformat(),
                "expires_at": t.expires_at.isoformat(),
                "revoked": t.revoked_at is not None,
                "user_agent": t.user_agent,
                "ip_address": t.ip_address,
            }
            for t in RefreshToken.objects.filter(user=user, used_at__isnull=True).order_by("pk")
        ],
        "two_factor": [
            {"type": a.type, "created_at": a.created_at.isoformat()}
            for a in Authenticator.objects.filter(user=user).order_by("pk")
        ],
    }
    for name, exporter in sorted(_exporters.items()):
        data[name] = exporter(user)
    return data


def erase_user(*, user: User) -> None:
    """Anonymises the person and revokes every credential. Rows other apps must keep
    (orders, ledger entries) stay, pointing at the anonymous account."""
    avatar = user.avatar.name
    with transaction.atomic():
        for eraser in _erasers.values():
            eraser(user)
        user.email = f"erased-{user.pk}-{uuid.uuid4().hex[:8]}@erased.invalid"
        user.name = "Deleted user"
        user.headline = ""
        user.bio = ""
        user.links = []
        user.avatar = ""
        user.is_active = False
        user.is_instructor = False
        user.is_staff = False
        user.is_superuser = False
        user.suspension_reason = ""
        user.last_login = None
        user.erased_at = timezone.now()
        user.auth_stamp = new_auth_stamp()
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
        _announce_rename(user)
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        RefreshToken.objects.filter(user=user).update(
            revoked_at=timezone.now(), user_agent="", ip_address=None
        )
        if avatar:
            storage = user.avatar.storage
            transaction.on_commit(lambda: storage.delete(avatar))
    logger.info("user %s erased their account", user.pk)


AVATAR_MAX_PIXELS = 40_000_000


def set_avatar(*, user: User, upload: Any) -> User:
    """Stores a profile picture. The content must decode as an image; it is re-encoded as a
    square PNG, which also drops any metadata the original carried."""
    from io import BytesIO

    from django.core.files.base import ContentFile
    from PIL import Image, ImageOps, UnidentifiedImageError

    if upload.size > settings.AVATAR_MAX_BYTES:
        raise InvalidInput(
            fields={"file": [f"The image is larger than {settings.AVATAR_MAX_BYTES // 1024} KB."]}
        )
    try:
        with Image.open(upload) as image:
            if image.format not in {"PNG", "JPEG", "GIF", "WEBP"}:
                raise InvalidInput(fields={"file": ["Upload a PNG, JPEG, GIF or WebP image."]})
            # Checked on the header, before decoding: a few KB of PNG can unpack to gigabytes.
            if image.width * image.height > AVATAR_MAX_PIXELS:
                raise InvalidInput(
                    fields={"file": ["The image has too many pixels (at most 40 megapixels)."]}
                )
            image.thumbnail((2048, 2048))
            square = ImageOps.fit(image.convert("RGBA"), (256, 256))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidInput(fields={"file": ["This file is not an image we can read."]}) from exc
    buffer = BytesIO()
    square.save(buffer, format="PNG", optimize=True)
    old = user.avatar.name
    user.avatar.save("avatar.png", ContentFile(buffer.getvalue()), save=True)
    if old:
        user.avatar.storage.delete(old)
    return user
