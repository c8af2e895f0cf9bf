from typing import cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from agora.accounts.models import User
from agora.community import services
from agora.community.models import Review
from agora.core.typed_admin import ModelAdmin


@admin.register(Review)
class ReviewAdmin(ModelAdmin[Review]):
    """Reviews are written by learners; admins read them and hide or show them again, through
    the same services as the API (so the course's figures stay exact)."""

    list_display = ["id", "course", "learner", "rating", "created_at", "hidden_at"]
    list_filter = ["rating", ("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["comment", "course__title", "learner__email", "learner__name"]
    list_select_related = ["course", "learner"]
    raw_id_fields = ["course", "learner", "replied_by", "hidden_by"]
    readonly_fields = [
        "course",
        "learner",
        "rating",
        "comment",
        "created_at",
        "updated_at",
        "reply",
        "replied_at",
        "replied_by",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
    ]
    actions = ["hide_selected", "unhide_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Hide the selected reviews")
    def hide_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        admin_user = cast(User, request.user)  # the admin site lets only admins in
        for review in queryset.select_related("course"):
            services.hide_review(
                admin=admin_user,
                review=review,
                reason="Hidden from the administration site.",
            )
        messages.success(request, "The selected reviews are hidden.")

    @admin.action(description="Show the selected reviews again")
    def unhide_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        admin_user = cast(User, request.user)  # the admin site lets only admins in
        for review in queryset.select_related("course"):
            services.unhide_review(admin=admin_user, review=review)
        messages.success(request, "The selected reviews are visible again.")
