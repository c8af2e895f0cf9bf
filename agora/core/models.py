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


class Job(models.Model):
    """A background job recorded in the same transaction as the change that implies it (the
    transactional outbox). A relay hands it to the broker; the worker marks it claimed and
    done. A broker that is down, a lost message or a worker killed mid-job delays the job,
    never loses it: the relay sends it again. Jobs are idempotent, so running twice is safe."""

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    queue = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not before this moment (a retry's backoff).
    available_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["available_at"],
                name="core_job_open",
                condition=models.Q(done_at__isnull=True, failed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"

    @property
    def state(self) -> str:
        if self.done_at:
            return "done"
        if self.failed_at:
            return "failed"
        if self.claimed_at:
            return "running"
        return "sent" if self.sent_at else "waiting"


class WorkerHeartbeat(models.Model):
    """Each running worker process says it is alive every few seconds; a job claimed by a
    worker that has gone quiet is sent again."""

    worker = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker
