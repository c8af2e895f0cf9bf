"""Admins suspending accounts and lifting suspensions."""

import logging

from django.db import transaction
from django.utils import timezone

from agora.accounts.errors import AccountError
from agora.accounts.models import User
from agora.accounts.permissions import can_manage_users, can_suspend
from agora.accounts.services.sessions import sign_out_everywhere
from agora.audit.services import record
from agora.core.errors import Conflict, PermissionDenied

logger = logging.getLogger(__name__)


def suspend_user(*, actor: User, user: User, reason: str = "") -> User:
    """Stops the user's tokens and sessions at their next request, and for good. Admins
    only; a superuser is suspended only by another superuser."""
    if not can_manage_users(actor):
        raise PermissionDenied(
            "Only admins can suspend accounts.", code=AccountError.ADMIN_REQUIRED
        )
    if actor.pk == user.pk:
        raise Conflict("You cannot suspend yourself.", code=AccountError.CANNOT_SUSPEND_SELF)
    if not can_suspend(actor, user):
        raise PermissionDenied("Only a superuser can suspend a superuser.")
    with transaction.atomic():
        locked = _lock(user)
        user.is_active = False
        user.suspended_at = locked.suspended_at or timezone.now()
        user.suspension_reason = reason[:500]
        user.save(update_fields=["is_active", "suspended_at", "suspension_reason"])
        sign_out_everywhere(user=user)
        record(actor=actor, action="user.suspend", target=user, data={"reason": reason[:500]})
    logger.info("user %s suspended by %s", user.pk, actor.pk)
    return user


def unsuspend_user(*, actor: User, user: User) -> User:
    """Lifts a suspension (admins only). The sign-ins it ended stay ended."""
    if not can_manage_users(actor):
        raise PermissionDenied(
            "Only admins can lift a suspension.", code=AccountError.ADMIN_REQUIRED
        )
    with transaction.atomic():
        if _lock(user).erased_at is not None:
            raise Conflict(
                "An erased account cannot be restored.", code=AccountError.ACCOUNT_ERASED
            )
        user.is_active = True
        user.suspended_at = None
        user.suspension_reason = ""
        user.save(update_fields=["is_active", "suspended_at", "suspension_reason"])
        record(actor=actor, action="user.unsuspend", target=user)
    logger.info("user %s unsuspended by %s", user.pk, actor.pk)
    return user


def _lock(user: User) -> User:
    """The user's row, locked until the transaction ends; its state as committed."""
    return User.objects.select_for_update().get(pk=user.pk)
