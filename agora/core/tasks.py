import smtplib

from celery import shared_task

from agora.core.mail import send_now

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
def deliver_email(*, to: list[str], subject: str, text: str, html: str = "") -> None:
    send_now(to=to, subject=subject, text=text, html=html)
