from django.contrib import admin

from agora.core.typed_admin import ModelAdmin
from agora.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ModelAdmin[Notification]):
    list_display = ["title", "kind", "user", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__email"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
