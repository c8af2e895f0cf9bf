from django.http import HttpRequest
from ninja import Query, Router

from agora.accounts.auth import current_user, jwt_auth
from agora.core.pagination import paginate
from agora.core.schemas import ErrorOut as E
from agora.notifications import queries, services
from agora.notifications.schemas import (
    MarkReadIn,
    NotificationPageOut,
    NotificationQuery,
    SettingsIn,
    SettingsOut,
    UnreadOut,
)

router = Router(tags=["notifications"])


@router.get(
    "/notifications",
    auth=jwt_auth,
    response={200: NotificationPageOut, 401: E, 422: E},
    summary="My notifications, newest first (paginated), with the unread count",
)
def list_notifications(request: HttpRequest, params: Query[NotificationQuery]) -> dict[str, object]:
    user = current_user(request)
    page = paginate(
        queries.for_user(user, unread_only=params.unread),
        page=params.page,
        page_size=params.page_size,
    )
    return {**page, "unread": queries.unread_count(user)}


@router.post(
    "/notifications/read",
    auth=jwt_auth,
    response={200: UnreadOut, 401: E, 422: E},
    summary="Mark notifications read (the ids given, or all); answers the unread count",
)
def mark_read(request: HttpRequest, payload: MarkReadIn) -> dict[str, int]:
    user = current_user(request)
    return {"unread": services.mark_read(user, payload.ids)}


@router.get(
    "/me/notification-settings",
    auth=jwt_auth,
    response={200: SettingsOut, 401: E},
    summary="Per kind of notification: in the app, by email",
)
def get_settings(request: HttpRequest) -> dict[str, object]:
    return {"kinds": queries.preferences(current_user(request))}


@router.put(
    "/me/notification-settings",
    auth=jwt_auth,
    response={200: SettingsOut, 401: E, 422: E},
    summary="Change some kinds' settings (the others stay); an unknown kind is a 422",
)
def put_settings(request: HttpRequest, payload: SettingsIn) -> dict[str, object]:
    changes = {kind: choice.model_dump(exclude_none=True) for kind, choice in payload.kinds.items()}
    return {"kinds": services.set_preferences(current_user(request), changes)}
