"""A person's profile: name and details, picture, and the instructor role."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, fields

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from agora.accounts.models import User
from agora.core.errors import InvalidInput


@dataclass(frozen=True)
class ProfileChanges:
    """What a person changes about themselves; None leaves a field as it is. The shape is
    checked by the API's schema or the page's form; the rules (a name is required) here."""

    name: str | None = None
    headline: str | None = None
    bio: str | None = None
    links: list[str] | None = None
    time_zone: str | None = None
    show_on_leaderboards: bool | None = None

    def given(self) -> dict[str, str | list[str] | bool]:
        return {
            field.name: value
            for field in fields(self)
            if (value := getattr(self, field.name)) is not None
        }


@functools.cache
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def update_profile(*, user: User, changes: ProfileChanges) -> User:
    updates = changes.given()
    if changes.name is not None:
        updates["name"] = changes.name.strip()
        if not updates["name"]:
            raise InvalidInput(fields={"name": ["Tell us your name."]})
    if changes.time_zone is not None and changes.time_zone not in available_time_zones():
        raise InvalidInput(
            fields={"time_zone": ["Use a time zone name such as Europe/Paris or America/Chicago."]}
        )
    renamed = "name" in updates and updates["name"] != user.name
    with transaction.atomic():
        for field, value in updates.items():
            setattr(user, field, value)
        user.save(update_fields=list(updates))
        if renamed:
            announce_rename(user)
    return user


# Other apps that copy a person's name (the catalog's search text) hear of renames here,
# registered from their AppConfig.ready(), so accounts never imports them.
RenameListener = Callable[[User], None]
_rename_listeners: list[RenameListener] = []


def register_rename_listener(listener: RenameListener) -> None:
    if listener not in _rename_listeners:
        _rename_listeners.append(listener)


def announce_rename(user: User) -> None:
    for listener in _rename_listeners:
        listener(user)


def become_instructor(*, user: User) -> User:
    if not user.is_instructor:
        user.is_instructor = True
        user.save(update_fields=["is_instructor"])
    return user


AVATAR_MAX_PIXELS = 40_000_000


def set_avatar(*, user: User, upload: UploadedFile[bytes]) -> User:
    """Stores a profile picture. The content must decode as an image; it is re-encoded as a
    square PNG, which also drops any metadata the original carried."""
    from io import BytesIO

    from django.core.files.base import ContentFile
    from PIL import Image, ImageOps, UnidentifiedImageError

    if (upload.size or 0) > settings.AVATAR_MAX_BYTES:
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
