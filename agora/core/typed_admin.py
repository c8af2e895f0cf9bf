"""Admin base classes to subclass with their model: `class ReviewAdmin(ModelAdmin[Review])`.

django-stubs makes Django's admin classes generic in the model they edit, but at run time
Django's own classes cannot be subscripted (that takes django-stubs-ext, a development
dependency). Here `ModelAdmin[Review]` is Django's ModelAdmin itself at run time, and the
typed generic for mypy."""

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin, TabularInline
    from django.contrib.auth.admin import UserAdmin
else:
    Base = TypeVar("Base")

    class _Erased(Generic[Base]):
        def __init__(self, base: Base) -> None:
            self.base = base

        def __getitem__(self, model: object) -> Base:
            return self.base

    ModelAdmin = _Erased(admin.ModelAdmin)
    TabularInline = _Erased(admin.TabularInline)
    UserAdmin = _Erased(auth_admin.UserAdmin)


class ReadOnlyAdmin(ModelAdmin[Any]):
    """For records only the services write (ledgers, certificates, XP): the admin reads them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


__all__ = ["ModelAdmin", "ReadOnlyAdmin", "TabularInline", "UserAdmin"]
