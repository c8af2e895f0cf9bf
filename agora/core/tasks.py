import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from agora.core.mail import send_now
from agora.core.models import Job

TRANSIENT_MAIL_ERRORS = (
    ConnectionError,
    TimeoutError,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPResponseException,
)


@shared_task(
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=6,
    retry_jitter=True,
)
def deliver_email(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    headers: dict[str, str] | None = None,
) -> None:
    send_now(to=to, subject=subject, text=text, html=html, headers=headers)


@shared_task
def purge_finished_jobs() -> int:
    """Forgets jobs that finished (or failed for good) JOB_KEEP_DAYS ago."""
    cutoff = timezone.now() - timedelta(days=settings.JOB_KEEP_DAYS)
    deleted, _ = Job.objects.filter(Q(done_at__lt=cutoff) | Q(failed_at__lt=cutoff)).delete()
    return deleted
