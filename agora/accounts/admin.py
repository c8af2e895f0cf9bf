from typing import cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from agora.accounts.models import RefreshToken, User
from agora.accounts.services import suspension
from agora.core.errors import DomainError
from agora.core.typed_admin import ModelAdmin
from agora.core.typed_admin import UserAdmin as BaseUserAdmin


class SuspendedFilter(admin.SimpleListFilter):
    title = "suspension"
    parameter_name = "suspended"

    def lookups(self, request: HttpRequest, model_admin: ModelAdmin[User]) -> list[tuple[str, str]]:
        return [("yes", "Suspended"), ("no", "Not suspended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() == "yes":
            return queryset.filter(suspended_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(suspended_at__isnull=True)
        return queryset


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    ordering = ["-date_joined"]
    list_display = ["email", "name", "is_instructor", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_instructor", "is_staff", "is_superuser", SuspendedFilter, "date_joined"]
    search_fields = ["email", "name"]
    readonly_fields = ["date_joined", "last_login", "suspended_at", "erased_at"]
    actions = ["suspend_users", "unsuspend_users"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "headline", "bio", "links", "avatar")}),
        (
            "Roles and access",
            {
                "fields": (
                    "is_instructor",
                    "is_staff",
                    "is_superuser",
                    "is_active",
                    "suspended_at",
                    "suspension_reason",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("Dates", {"fields": ("date_joined", "last_login", "erased_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )

    @admin.action(description="Suspend selected users")
    def suspend_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = cast(User, request.user)  # the admin site lets only admins in
        done = 0
        for user in queryset:
            try:
                suspension.suspend_user(actor=actor, user=user, reason="Suspended by an admin")
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{user.email}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Suspended {done} user(s).", messages.SUCCESS)

    @admin.action(description="Lift suspension of selected users")
    def unsuspend_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = cast(User, request.user)  # the admin site lets only admins in
        done = 0
        for user in queryset.filter(suspended_at__isnull=False):
            try:
                suspension.unsuspend_user(actor=actor, user=user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{user.email}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Restored {done} user(s).", messages.SUCCESS)


@admin.register(RefreshToken)
class RefreshTokenAdmin(ModelAdmin[RefreshToken]):
    list_display = ["user", "created_at", "expires_at", "used_at", "revoked_at", "ip_address"]
    list_filter = ["revoked_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    readonly_fields = [f.name for f in RefreshToken._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
