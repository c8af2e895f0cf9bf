"""Demo notifications. The earlier steps already told people things the real way (courses
approved, certificates issued, reviews received, sales); those are the demo's history, not
news, so none of it is emailed. Each demo account also gets a welcome notification."""

from collections.abc import Callable

from django.urls import reverse

from agora.accounts.models import User
from agora.notifications.kinds import NotificationKind
from agora.notifications.models import Notification
from agora.notifications.services import notify

DEMO_DOMAIN = "@agora.test"
WELCOME = "Welcome to the Agora demo"


def seed(log: Callable[[str], object]) -> None:
    demo = User.objects.filter(email__endswith=DEMO_DOMAIN)
    Notification.objects.filter(user__in=demo, email_pending=True).update(email_pending=False)
    welcomed = set(
        Notification.objects.filter(user__in=demo, title=WELCOME).values_list("user_id", flat=True)
    )
    for person in demo.exclude(pk__in=welcomed):
        notify(
            person,
            NotificationKind.ANNOUNCEMENT,
            title=WELCOME,
            body="Answers, sales, certificates and messages show up here as they happen. "
            "Choose what reaches you by email in your notification settings.",
            url=reverse("notification_settings"),
            email=False,
        )
    log(f"Notifications: {Notification.objects.filter(user__in=demo).count()} for demo accounts.")
