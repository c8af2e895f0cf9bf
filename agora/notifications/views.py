"""The notification pages: the list, settings and the one-click unsubscribe."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from agora.accounts.models import User
from agora.core.pagination import page_from_request
from agora.notifications import queries, services
from agora.notifications.kinds import KINDS, NotificationKind
from agora.notifications.models import Notification

PAGE_SIZE = 20


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # behind login_required
    page = page_from_request(request, queries.for_user(user), page_size=PAGE_SIZE)
    return _private(
        render(
            request,
            "notifications/list.html",
            {"page": page, "unread": queries.unread_count(user)},
        )
    )


@login_required
@require_POST
def mark_one_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    user = cast(User, request.user)
    notification = get_object_or_404(Notification, pk=notification_id, user=user, in_app=True)
    services.mark_read(user, [notification.pk])
    if request.headers.get("HX-Request"):
        notification.refresh_from_db()
        return _private(
            render(request, "notifications/partials/item.html", {"notification": notification})
        )
    return HttpResponseRedirect(reverse("notification_list"))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_read(cast(User, request.user))
    messages.success(request, "All notifications are marked as read.")
    return HttpResponseRedirect(reverse("notification_list"))


@login_required
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follows a notification's link and marks it read on the way."""
    user = cast(User, request.user)
    notification = get_object_or_404(Notification, pk=notification_id, user=user, in_app=True)
    if notification.read_at is None:
        services.mark_read(user, [notification.pk])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = reverse("notification_list")
    return HttpResponseRedirect(target)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if request.method == "POST":
        changes = {
            kind.value: {
                "in_app": request.POST.get(f"{kind.value}-in_app") == "on",
                "email": request.POST.get(f"{kind.value}-email") == "on",
            }
            for kind in NotificationKind
        }
        services.set_preferences(user, changes)
        messages.success(request, "Your notification settings are saved.")
        return HttpResponseRedirect(reverse("notification_settings"))
    chosen = queries.preferences(user)
    rows = [
        {"kind": kind.value, "label": info.label, **chosen[kind.value]}
        for kind, info in KINDS.items()
    ]
    return _private(render(request, "notifications/settings.html", {"rows": rows}))


@csrf_exempt  # mail clients' one-click POST (RFC 8058) carries the signed token, not a cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link does (link checkers must not unsubscribe anyone); POST does it."""
    found = services.read_unsubscribe_token(token)
    if found is None:
        raise Http404("This unsubscribe link is not valid.")
    user, kinds = found
    done = request.method == "POST"
    if done:
        services.unsubscribe(user, kinds)
    context = {"labels": [KINDS[kind].label for kind in kinds], "done": done, "email": user.email}
    return _private(render(request, "notifications/unsubscribe.html", context))
