"""What sits under a lesson besides Q&A: public comments (one level of replies) and each
learner's private notes; and the course's announcements."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from agora.community.models.posts import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, VISIBLE, Post


class Comment(Post):
    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.CASCADE, related_name="comments")
    # The lesson's course, kept for the moderation queue and for permission checks.
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lesson_comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["lesson", "parent", "created_at", "id"],
                condition=VISIBLE,
                name="comment_lesson",
            ),
            models.Index(fields=["author", "-created_at"], name="comment_author"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on lesson {self.lesson_id}"


class Note(models.Model):
    """A learner's private note on a lesson, at a moment of its video. Only its author ever
    reads it: no list, page or API shows it to anyone else."""

    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes"
    )
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    seconds = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["author", "course", "lesson"], name="note_author_course")]

    def __str__(self) -> str:
        return f"Note {self.pk}"


class Announcement(Post):
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.CASCADE, related_name="announcements"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="announcements"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)

    class Meta:
        indexes = [
            models.Index(
                fields=["course", "-created_at", "-id"],
                condition=VISIBLE,
                name="announcement_course",
            )
        ]

    def __str__(self) -> str:
        return self.title
