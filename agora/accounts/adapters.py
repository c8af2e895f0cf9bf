"""django-allauth hooks: our emails go through the job queue, passwords through our service."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from agora.accounts.models import User
from agora.accounts.services import passwords, registration
from agora.core.mail import queue_email


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Too many failed sign-ins for this account. Wait a few minutes and try again, or "
            "reset your password if you have forgotten it."
        ),
    }

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = self.request
        ctx: dict[str, Any] = {"email": email, "request": request}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = str(content)
        queue_email(to=list(message.to), subject=message.subject, text=str(message.body), html=html)

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        user.name = form.cleaned_data.get("name", "").strip()
        if commit:
            user.save()
            registration.send_welcome_email(user=user)
        return user

    def set_password(self, user: Any, password: str) -> None:
        # Resets and changes on the web end API sign-ins too.
        passwords.set_password(user=user, password=password)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def can_delete_email(self, email_address: Any) -> bool:
        return not email_address.primary


__all__ = ["AccountAdapter", "User"]
