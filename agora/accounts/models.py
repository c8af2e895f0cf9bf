import secrets
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from agora.accounts import user_cache


def avatar_upload_to(instance: "User", filename: str) -> str:
    # The stored name is ours, never the uploader's.
    return f"avatars/{instance.pk or 'new'}/{uuid.uuid4().hex}.png"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("name", "Administrator")
        if extra["is_staff"] is not True or extra["is_superuser"] is not True:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra)


def normalize_email(email: str) -> str:
    """Emails are compared and stored lower-cased: one address, one account."""
    return email.strip().lower()


def new_auth_stamp() -> str:
    return secrets.token_hex(16)


class Role(models.TextChoices):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Everyone can learn; `is_instructor` adds teaching; staff are admins."""

    email = models.EmailField("email address", max_length=254)
    name = models.CharField(max_length=150, blank=True)
    avatar = models.ImageField(upload_to=avatar_upload_to, blank=True)
    headline = models.CharField(max_length=120, blank=True)
    bio = models.TextField(max_length=5000, blank=True)
    links = models.JSONField(default=list, blank=True)
    is_instructor = models.BooleanField(default=False)
    # An IANA zone ("Europe/Paris"): when this person's days start and end (learning streaks,
    # reminders in their evening).
    time_zone = models.CharField(max_length=64, default="UTC")
    show_on_leaderboards = models.BooleanField(default=True)
    is_staff = models.BooleanField("admin", default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=500, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    # Part of every session's and token's auth hash: changing it signs the person out
    # everywhere at once (suspension, erasure), as changing the password does.
    auth_stamp = models.CharField(max_length=32, default=new_auth_stamp, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        indexes = [models.Index(fields=["date_joined"], name="accounts_user_joined_idx")]

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        user_cache.forget(self.pk)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        user_id = self.pk
        deleted = super().delete(*args, **kwargs)
        user_cache.forget(user_id)
        return deleted

    def _auth_hash(self, secret: str | bytes | None = None) -> str:
        return salted_hmac(
            "agora.accounts.User.auth_hash",
            f"{self.password}:{self.auth_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._auth_hash()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._auth_hash(secret=fallback_secret)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def roles(self) -> list[str]:
        roles = [Role.STUDENT.value]
        if self.is_instructor:
            roles.append(Role.INSTRUCTOR.value)
        if self.is_staff:
            roles.append(Role.ADMIN.value)
        return roles


class RefreshTokenQuerySet(models.QuerySet["RefreshToken"]):
    def live(self) -> "RefreshTokenQuerySet":
        return self.filter(
            revoked_at__isnull=True, used_at__isnull=True, expires_at__gt=timezone.now()
        )


class RefreshToken(models.Model):
    """One issued refresh token. Rotation marks it used; a family shares one sign-in."""

    jti = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    family = models.UUIDField(db_index=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = RefreshTokenQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="accounts_rt_user_idx")]

    def __str__(self) -> str:
        return f"refresh token {self.jti} of user {self.user_id}"
