from agora.notifications.kinds import NotificationKind
from agora.notifications.models import Notification
from agora.notifications.services import notify


def told(user, *, title: str = "Something happened", kind=NotificationKind.ANNOUNCEMENT, **kw):
    """A notification made the real way (preferences, email scheduling, live push)."""
    notification = notify(user, kind, title=title, **kw)
    assert isinstance(notification, Notification)
    return notification
