from django.conf import settings
from django.db import models
from django.db.models import Q


class ConversationKind(models.TextChoices):
    DIRECT = "direct", "Direct"
    COURSE = "course", "Course chat"


class Conversation(models.Model):
    """A direct conversation between two people, or a course's chat room."""

    kind = models.CharField(max_length=10, choices=ConversationKind.choices)
    course = models.ForeignKey(
        "catalog.Course", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # "<smaller user id>:<larger user id>" for a direct conversation: one per pair.
    direct_key = models.CharField(max_length=41, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(kind="course"),
                name="one_chat_per_course",
            ),
            models.CheckConstraint(
                condition=(Q(kind="direct", direct_key__isnull=False, course__isnull=True))
                | Q(kind="course", course__isnull=False, direct_key__isnull=True),
                name="conversation_kind_fits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} conversation {self.pk}"


class Membership(models.Model):
    """Someone's place in a conversation: what they have read. Course chat members get theirs
    when they first open it; who may is decided by their enrollment at that moment."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_memberships"
    )
    last_read_message_id = models.BigIntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="one_membership")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} in conversation {self.conversation_id}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_messages"
    )
    body = models.TextField()
    # A client's own id for the message: sending again with it answers the first message.
    client_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "-id"], name="message_newest")]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_id"],
                condition=~Q(client_id=""),
                name="one_message_per_client_id",
            )
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in conversation {self.conversation_id}"


class Block(models.Model):
    """`blocker` takes no direct messages from `blocked`."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block")]

    def __str__(self) -> str:
        return f"user {self.blocker_id} blocks user {self.blocked_id}"


class MessageReport(models.Model):
    """A member reports a message to the admins (the moderation queue will take these)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="one_report_per_reporter")
        ]

    def __str__(self) -> str:
        return f"report of message {self.message_id} by user {self.reporter_id}"
