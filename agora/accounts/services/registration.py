"""Sign-up and email confirmation."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress, get_emailconfirmation_model
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from agora.accounts.errors import EmailTaken, InvalidVerificationKey
from agora.accounts.models import User, normalize_email
from agora.accounts.services.passwords import validate_new_password
from agora.accounts.services.sessions import sign_in
from agora.core import ratelimit
from agora.core.errors import InvalidInput
from agora.core.mail import queue_templated_email


@dataclass(frozen=True)
class Registered:
    """A new account; signed in at once unless its email must be confirmed first."""

    user: User
    access: str | None
    refresh: str | None


def _validated_email(email: str) -> str:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(fields={"email": ["Enter a valid email address."]}) from exc
    return email


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
    validate_new_password(password, user)
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
    signed_in = sign_in(user, request)
    return Registered(user=user, access=signed_in.access, refresh=signed_in.refresh)


def send_welcome_email(*, user: User) -> None:
    queue_templated_email(to=user.email, template="accounts/email/welcome", context={"user": user})


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
