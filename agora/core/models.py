from django.db import models


class OutboxEmail(models.Model):
    """A sent email, kept when no real mail server is configured (the embedded default)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_email = models.CharField(max_length=254)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=998)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "outbox email"

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
