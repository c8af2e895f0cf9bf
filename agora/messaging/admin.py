from django.contrib import admin

from agora.core.typed_admin import ModelAdmin
from agora.messaging.models import MessageReport


@admin.register(MessageReport)
class MessageReportAdmin(ModelAdmin[MessageReport]):
    list_display = ["message", "reporter", "reason", "created_at", "resolved_at"]
    list_filter = ["resolved_at"]
    raw_id_fields = ["message", "reporter"]
