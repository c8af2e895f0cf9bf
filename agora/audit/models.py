from django.conf import settings
from django.db import models
from django.utils import timezone

ACTION_MAX_LENGTH = 64
TARGET_TYPE_MAX_LENGTH = 32


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnly

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly


class AppendOnly(Exception):
    """An audit entry was about to be changed or deleted: the log only grows."""

    def __init__(self) -> None:
        super().__init__("The audit log is append-only: entries are never changed or deleted.")


class AuditEntry(models.Model):
    """One admin action: who, what (`action`, e.g. `course.approve`), on what (`target_type`
    and `target_id`, kept as plain values so the entry outlives its target) and the details
    that explain it (`data`: a reason, an amount, the old and new rate)."""

    # PROTECT: an admin who acted is never deleted from under the log (accounts are erased
    # by anonymising, which keeps the row).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_entries"
    )
    action = models.CharField(max_length=ACTION_MAX_LENGTH)
    target_type = models.CharField(max_length=TARGET_TYPE_MAX_LENGTH)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_newest"),
            models.Index(fields=["action", "-created_at", "-id"], name="audit_action"),
            models.Index(fields=["actor", "-created_at", "-id"], name="audit_actor"),
            models.Index(fields=["target_type", "target_id", "-created_at"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnly
