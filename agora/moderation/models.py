from django.conf import settings
from django.db import models
from django.utils import timezone

NOTE_MAX_LENGTH = 1000


class TargetType(models.TextChoices):
    QUESTION = "question", "Question"
    ANSWER = "answer", "Answer"
    COMMENT = "comment", "Comment"
    REVIEW = "review", "Review"
    MESSAGE = "message", "Message"
    USER = "user", "User"
    COURSE = "course", "Course"


class Reason(models.TextChoices):
    SPAM = "spam", "Spam"
    ABUSE = "abuse", "Abusive or harassing"
    OFF_TOPIC = "off_topic", "Off topic"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Resolution(models.TextChoices):
    DISMISS = "dismiss", "Dismissed"
    HIDE = "hide", "Content hidden"
    SUSPEND_USER = "suspend_user", "User suspended"


class Report(models.Model):
    """Someone signed in asks the admins to look at a post, a person or a course; once per
    reporter and target. An admin resolves it: dismiss, hide the content or suspend its
    author. Resolving one report resolves every open report of the same target."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    target_type = models.CharField(max_length=16, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    # Whose content it is (the person reported, for a user): who is told and who is suspended.
    target_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_received",
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    resolution_note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"], name="report_once"
            )
        ]
        indexes = [
            models.Index(fields=["status", "created_at", "id"], name="report_queue"),
            models.Index(fields=["target_type", "target_id", "status"], name="report_target"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} report of {self.target_type} {self.target_id}"
