"""Email delivery: the outbox backend and the queued, templated send used by every app."""

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template import Context
from django.template.loader import get_template, render_to_string

logger = logging.getLogger(__name__)


class OutboxBackend(BaseEmailBackend):
    """Stores each message in the outbox table and logs one line about it."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from agora.core.models import OutboxEmail

        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = str(content)
            OutboxEmail.objects.create(
                from_email=message.from_email,
                to=list(message.to),
                subject=str(message.subject),
                text_body=str(message.body),
                html_body=html,
            )
            # One line each: the outbox (Django admin) is where emails are read.
            logger.info(
                "email to %s kept in the outbox: %s", ", ".join(message.to), message.subject
            )
        return len(email_messages)


def render_email(template: str, context: dict[str, Any]) -> dict[str, str]:
    """Renders `templates/<template>_subject.txt`, `_message.txt` and `_message.html`."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(_render_plain(f"{template}_subject.txt", context).split())
    return {
        "subject": f"[{settings.SITE_NAME}] {subject}",
        "text": _render_plain(f"{template}_message.txt", context).strip(),
        "html": render_to_string(f"{template}_message.html", context).strip(),
    }


def _render_plain(template_name: str, context: dict[str, Any]) -> str:
    """Plain-text parts are not HTML: "Tom & Jerry" must not arrive as "Tom &amp; Jerry"."""
    template = get_template(template_name)
    return template.template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]


def queue_email(
    *,
    to: str | list[str],
    subject: str,
    text: str,
    html: str = "",
    headers: dict[str, str] | None = None,
) -> None:
    """Sends the message from a background job recorded in the current transaction."""
    from agora.core import jobs
    from agora.core.tasks import deliver_email

    recipients = [to] if isinstance(to, str) else list(to)
    extra: dict[str, Any] = {"headers": headers} if headers else {}
    jobs.enqueue(deliver_email, to=recipients, subject=subject, text=text, html=html, **extra)


def queue_templated_email(*, to: str | list[str], template: str, context: dict[str, Any]) -> None:
    message = render_email(template, context)
    queue_email(to=to, subject=message["subject"], text=message["text"], html=message["html"])


def send_now(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    headers: dict[str, str] | None = None,
) -> None:
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, to, headers=headers or None
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
