"""What every community post shares: its author, when it was written and changed, and how
it leaves the lists (its author deletes it, or an admin hides it). Removed posts stay in the
database for admins and for the moderation record; nobody else sees them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

BODY_MAX_LENGTH = 10_000
TITLE_MAX_LENGTH = 200

VISIBLE = Q(hidden_at__isnull=True, deleted_at__isnull=True)


class PostQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible(self) -> "PostQuerySet":
        """Neither hidden by an admin nor deleted by its author."""
        return self.filter(VISIBLE)


class Post(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    # The Markdown rendered and sanitised once, when written (mentions become links).
    body_html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_removed(self) -> bool:
        return self.hidden_at is not None or self.deleted_at is not None

    @property
    def is_edited(self) -> bool:
        return self.updated_at > self.created_at
