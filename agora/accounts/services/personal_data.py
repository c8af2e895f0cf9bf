"""A person's data: the export of everything we hold about them, and erasure. Other apps
add their parts from their AppConfig.ready(), so accounts never needs to know them."""

import logging
import uuid
from collections.abc import Callable
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db import transaction
from django.utils import timezone

from agora.accounts.models import RefreshToken, User, new_auth_stamp
from agora.accounts.services.profile import announce_rename

logger = logging.getLogger(__name__)

# Other apps add their part of a person's data (and of its erasure) here, from their
# AppConfig.ready(), so accounts never needs to know them.
DataExporter = Callable[[User], object]
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
        "browser_sessions": [
            {"created_at": s.created_at.isoformat(), "ip": s.ip, "user_agent": s.user_agent}
            for s in UserSession.objects.filter(user=user).order_by("pk")
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
        announce_rename(user)
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        for session in UserSession.objects.filter(user=user):
            session.end()  # the browser session itself, and its record (address, browser)
        RefreshToken.objects.filter(user=user).update(
            revoked_at=timezone.now(), user_agent="", ip_address=None
        )
        if avatar:
            storage = user.avatar.storage
            transaction.on_commit(lambda: storage.delete(avatar))
    logger.info("user %s erased their account", user.pk)
