from django.conf import settings
from django.db import models

from agora.notifications.kinds import NotificationKind


class Notification(models.Model):
    """Something a person is told about: in the app (the bell, /notifications/) and, if they
    want it, by email (at once, or in an hourly digest when many arrive)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=[(k.value, k.value) for k in NotificationKind])
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    in_app = models.BooleanField(default=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Email: wanted and not sent yet (an email or a digest will take it), or sent.
    email_pending = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_newest"),
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True, in_app=True),
                name="notification_user_unread",
            ),
            models.Index(
                fields=["user"],
                condition=models.Q(email_pending=True),
                name="notification_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.user_id}: {self.title}"


class NotificationPreference(models.Model):
    """A person's choice for one kind; without a row, the kind's defaults apply."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, choices=[(k.value, k.value) for k in NotificationKind])
    in_app = models.BooleanField()
    email = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.user_id}: in-app {self.in_app}, email {self.email}"


class Mailbox(models.Model):
    """Per person: when they were last emailed about notifications, and whether a digest is
    already scheduled. Its row lock serialises the decisions about their emails."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    last_emailed_at = models.DateTimeField(null=True, blank=True)
    digest_due_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"mailbox of user {self.user_id}"
