from datetime import datetime

from ninja import Field, Schema

from agora.core.pagination import PageNumber, PageSize
from agora.core.schemas import Id


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str = Field(description="A path on this site the notification leads to, or empty.")
    read_at: datetime | None
    created_at: datetime


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    count: int
    page: int
    page_size: int
    unread: int = Field(description="The caller's unread notifications in all.")


class NotificationQuery(Schema):
    page: PageNumber = 1
    page_size: PageSize = 20
    unread: bool = Field(False, description="Only unread notifications.")


class MarkReadIn(Schema):
    ids: list[Id] | None = Field(
        None,
        max_length=1000,
        description="Notifications to mark read; none (or null) marks all. Ids that are not "
        "the caller's are ignored.",
    )


class UnreadOut(Schema):
    unread: int


class KindChoice(Schema):
    in_app: bool
    email: bool


class KindChange(Schema):
    in_app: bool | None = None
    email: bool | None = None


class SettingsOut(Schema):
    kinds: dict[str, KindChoice]


class SettingsIn(Schema):
    kinds: dict[str, KindChange] = Field(
        description="Kinds to change (others stay); each may set in_app, email or both."
    )
