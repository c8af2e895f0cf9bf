import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agora.notifications import queries, services
from agora.notifications.kinds import NotificationKind
from agora.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.notifications.factories import told

pytestmark = pytest.mark.django_db


def test_the_bell_shows_the_unread_count_in_the_header():
    user = UserFactory()
    for _ in range(3):
        told(user)
    page = client_for(user).get("/").content.decode()
    assert 'id="notification-count"' in page
    assert 'data-unread="3"' in page
    assert "Notifications: 3 unread" in page


def test_visitors_have_no_bell():
    assert 'id="notification-bell"' not in client_for().get("/").content.decode()


def test_the_list_marks_one_read_with_and_without_htmx():
    user = UserFactory()
    first, second = told(user, title="First thing"), told(user, title="Second thing")
    browser = client_for(user)

    page = browser.get("/notifications/").content.decode()
    assert "First thing" in page
    assert "Second thing" in page
    assert "2 unread" in page

    fragment = browser.post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "Mark read" not in fragment.content.decode()
    assert browser.post(f"/notifications/{second.pk}/read/").status_code == 302
    assert queries.unread_count(user) == 0


def test_the_list_page_queries_do_not_grow_with_the_page():
    user = UserFactory()
    told(user)
    browser = client_for(user)
    browser.get("/notifications/")
    with CaptureQueriesContext(connection) as few:
        browser.get("/notifications/")
    for _ in range(15):
        told(user)
    with CaptureQueriesContext(connection) as many:
        page = browser.get("/notifications/").content.decode()
    assert page.count('class="notification-item unread"') == 16
    assert len(many) == len(few)


def test_mark_all_and_someone_elses_is_not_found():
    user, other = UserFactory(), UserFactory()
    theirs = told(other)
    told(user)
    browser = client_for(user)
    assert browser.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert browser.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert browser.post("/notifications/read-all/").status_code == 302
    assert queries.unread_count(user) == 0
    assert queries.unread_count(other) == 1


def test_opening_follows_the_link_and_marks_it_read():
    user = UserFactory()
    notification = told(user, url="/my-learning/")
    response = client_for(user).get(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/my-learning/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_link_that_leaves_the_site_is_never_followed():
    user = UserFactory()
    notification = told(user)
    Notification.objects.filter(pk=notification.pk).update(url="https://evil.example/")
    response = client_for(user).get(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_pages_need_a_sign_in():
    for path in ("/notifications/", "/settings/notifications/"):
        assert client_for().get(path).status_code == 302


def test_the_settings_form_saves_every_kind():
    user = UserFactory()
    browser = client_for(user)
    assert "Answers to my questions" in browser.get("/settings/notifications/").content.decode()

    response = browser.post("/settings/notifications/", {"sale-in_app": "on", "refund-email": "on"})

    assert response.status_code == 302
    chosen = queries.preferences(user)
    assert chosen["sale"] == {"in_app": True, "email": False}
    assert chosen["refund"] == {"in_app": False, "email": True}
    assert chosen["message"] == {"in_app": False, "email": False}


def test_unsubscribe_asks_first_then_stops_only_that_kind():
    user = UserFactory()
    token = services.unsubscribe_token(user, NotificationKind.REVIEW_RECEIVED)
    visitor = client_for()

    shown = visitor.get(f"/notifications/unsubscribe/{token}/")
    assert shown.status_code == 200
    assert "Stop these emails?" in shown.content.decode()
    assert queries.preference(user, NotificationKind.REVIEW_RECEIVED) == (True, True)

    done = visitor.post(f"/notifications/unsubscribe/{token}/")
    assert "You are unsubscribed" in done.content.decode()
    assert queries.preference(user, NotificationKind.REVIEW_RECEIVED) == (True, False)
    assert queries.preference(user, NotificationKind.SALE) == (True, True)


def test_a_broken_unsubscribe_link_is_not_found():
    assert client_for().get("/notifications/unsubscribe/forged/").status_code == 404
    assert client_for().post("/notifications/unsubscribe/forged/").status_code == 404


def test_one_link_can_stop_several_kinds():
    user = UserFactory()
    token = services.unsubscribe_token(user, NotificationKind.SALE, NotificationKind.REFUND)
    visitor = client_for()

    shown = visitor.get(f"/notifications/unsubscribe/{token}/").content.decode()
    assert "A sale of my course" in shown
    assert "A refund of my order" in shown

    visitor.post(f"/notifications/unsubscribe/{token}/")
    chosen = queries.preferences(user)
    assert (chosen["sale"]["email"], chosen["refund"]["email"]) == (False, False)
    assert chosen["review_received"]["email"] is True
