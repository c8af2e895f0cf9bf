from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from agora.core.models import Job, OutboxEmail
from agora.core.typed_admin import ModelAdmin


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ModelAdmin[OutboxEmail]):
    """The embedded mailbox: every email Agora sent when no mail server is configured."""

    list_display = ["created_at", "subject", "recipients"]
    search_fields = ["subject", "to", "text_body"]
    readonly_fields = ["created_at", "from_email", "to", "subject", "text_body", "html_preview"]
    exclude = ["html_body"]

    @admin.display(description="to")
    def recipients(self, email: OutboxEmail) -> str:
        return ", ".join(email.to)

    @admin.display(description="HTML body (as sent)")
    def html_preview(self, email: OutboxEmail) -> str:
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", email.html_body)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(ModelAdmin[Job]):
    """Background jobs: what is waiting, running, done or failed, and the last error."""

    list_display = ["id", "task", "queue", "state", "attempts", "created_at", "claimed_by"]
    list_filter = ["queue", "task", ("failed_at", admin.EmptyFieldListFilter)]
    search_fields = ["task", "last_error"]
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
