from django.contrib import admin

from agora.core.typed_admin import ModelAdmin, ReadOnlyAdmin
from agora.gamification.models import BadgeAward, XpAward, XpRule


@admin.register(XpRule)
class XpRuleAdmin(ModelAdmin[XpRule]):
    """Admins set how many points each rule pays (rules without a row pay their default,
    agora/gamification/rules.py)."""

    list_display = ["rule", "points", "daily_cap"]


@admin.register(XpAward)
class XpAwardAdmin(ReadOnlyAdmin):
    """The XP ledger, read only: awards are written by the rules, never by hand."""

    list_display = ["created_at", "user", "rule", "object_type", "object_id", "points"]
    list_filter = ["rule"]
    search_fields = ["user__email"]
    raw_id_fields = ["user", "reverses"]


@admin.register(BadgeAward)
class BadgeAwardAdmin(ModelAdmin[BadgeAward]):
    list_display = ["awarded_at", "user", "code"]
    list_filter = ["code"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
