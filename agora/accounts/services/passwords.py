"""Passwords: the strength rules, reset links and changes (which end every other
sign-in)."""

import hashlib
import logging
import re

from allauth.account.forms import ResetPasswordForm, UserTokenForm
from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from agora.accounts.errors import InvalidResetToken
from agora.accounts.models import User, normalize_email
from agora.accounts.services.sessions import revoke_all_tokens
from agora.core import ratelimit
from agora.core.errors import InvalidInput
from agora.core.mail import queue_templated_email

logger = logging.getLogger(__name__)


def validate_new_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            "Choose a stronger password.", fields={"password": list(exc.messages)}
        ) from exc


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


_UID = re.compile(r"[0-9a-z]{1,13}")


def reset_password(*, token: str, password: str) -> User:
    """Uses the token from the reset email (`<uid>-<key>`, the last part of its link)."""
    uidb36, _, key = token.strip().strip("/").partition("-")
    if not _UID.fullmatch(uidb36) or not key:
        # allauth's form would crash on an empty or malformed id (a 500, not a 4xx).
        raise InvalidResetToken()
    form = UserTokenForm(data={"uidb36": uidb36, "key": key})
    if not form.is_valid() or form.reset_user is None:
        raise InvalidResetToken()
    user: User = form.reset_user
    if not user.is_active:
        raise InvalidResetToken()
    validate_new_password(password, user)
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
