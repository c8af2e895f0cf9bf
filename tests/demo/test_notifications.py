"""Demo notifications: history is not emailed; each demo account is welcomed once."""

from io import StringIO

import pytest

from agora.demo import notifications as demo
from agora.notifications.kinds import NotificationKind
from agora.notifications.models import Notification
from agora.notifications.services import notify
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_history_is_not_emailed_and_each_demo_account_is_welcomed_once():
    person = UserFactory(email="learner@agora.test")
    outsider = UserFactory(email="someone@example.com")
    notify(person, NotificationKind.SALE, title="A sale from the demo's past")
    notify(outsider, NotificationKind.SALE, title="Real news")

    demo.seed(log=StringIO().write)
    demo.seed(log=StringIO().write)

    assert not Notification.objects.filter(user=person, email_pending=True).exists()
    assert Notification.objects.get(user=outsider).email_pending
    assert Notification.objects.filter(user=person, title=demo.WELCOME).count() == 1
    assert not Notification.objects.filter(user=outsider, title=demo.WELCOME).exists()
