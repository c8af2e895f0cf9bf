"""The admin site: Django's, with one "Accounts" section. People, their email addresses,
two-factor authenticators, browser sessions and permission groups come from four apps
(ours, allauth's account, mfa and usersessions, Django's auth); an operator looks for them in
one place."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

ACCOUNTS = "accounts"
MERGED_INTO_ACCOUNTS = frozenset({"account", "mfa", "usersessions", "auth"})


class AgoraAdminSite(admin.AdminSite):
    site_header = "Agora administration"
    site_title = "Agora admin"

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        accounts = next((app for app in apps if app["app_label"] == ACCOUNTS), None)
        if accounts is None:
            return apps
        kept = []
        for app in apps:
            if app["app_label"] in MERGED_INTO_ACCOUNTS:
                accounts["models"].extend(app["models"])
            else:
                kept.append(app)
        accounts["models"].sort(key=lambda model: str(model["name"]).lower())
        return kept


class AgoraAdminConfig(AdminConfig):
    default_site = "agora.core.admin_site.AgoraAdminSite"
