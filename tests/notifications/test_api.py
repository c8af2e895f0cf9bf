import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agora.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.conftest import ApiClient, login_tokens
from tests.notifications.factories import told

pytestmark = pytest.mark.django_db


@pytest.fixture
def me():
    return UserFactory()


@pytest.fixture
def me_api(me):
    return ApiClient(login_tokens(me.email)["access"])


class TestList:
    def test_newest_first_in_the_envelope_with_the_unread_count(self, me, me_api):
        old, new = told(me, title="Old"), told(me, title="New")
        told(UserFactory(), title="Someone else's")
        Notification.objects.filter(pk=old.pk).update(read_at=old.created_at)

        body = me_api.get("/notifications").json()

        assert [item["title"] for item in body["items"]] == ["New", "Old"]
        assert (body["count"], body["page"], body["page_size"], body["unread"]) == (2, 1, 20, 1)
        assert set(body["items"][0]) == {
            "id",
            "kind",
            "title",
            "body",
            "url",
            "read_at",
            "created_at",
        }
        assert body["items"][0]["id"] == new.pk
        assert body["items"][0]["kind"] == "announcement"

    def test_pages_and_the_unread_filter(self, me, me_api):
        for n in range(5):
            told(me, title=f"N{n}")
        me_api.post("/notifications/read", {"ids": [Notification.objects.order_by("id")[0].pk]})

        page = me_api.get("/notifications?page=2&page_size=2").json()
        unread = me_api.get("/notifications?unread=true&page_size=100").json()

        assert [i["title"] for i in page["items"]] == ["N2", "N1"]
        assert page["count"] == 5
        assert [i["title"] for i in unread["items"]] == ["N4", "N3", "N2", "N1"]
        assert unread["unread"] == 4

    def test_the_query_count_does_not_grow_with_the_page(self, me, me_api):
        told(me)
        me_api.get("/notifications")  # the signed-in user is cached from now on
        with CaptureQueriesContext(connection) as few:
            me_api.get("/notifications")
        for _ in range(15):
            told(me)
        with CaptureQueriesContext(connection) as many:
            me_api.get("/notifications")
        assert len(many) == len(few)

    def test_signing_in_is_required(self, api):
        assert api.get("/notifications").status_code == 401
        assert api.post("/notifications/read", {}).status_code == 401
        assert api.get("/me/notification-settings").status_code == 401


class TestMarkRead:
    def test_given_ids_or_all_and_never_anyone_elses(self, me, me_api):
        first, _second, _third = told(me), told(me), told(me)
        others = told(UserFactory())

        assert me_api.post("/notifications/read", {"ids": [first.pk, others.pk]}).json() == {
            "unread": 2
        }
        others.refresh_from_db()
        assert others.read_at is None
        assert me_api.post("/notifications/read", {}).json() == {"unread": 0}
        assert me_api.post("/notifications/read", {"ids": None}).json() == {"unread": 0}
        assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()

    def test_bad_ids_are_a_422(self, me_api):
        response = me_api.post("/notifications/read", {"ids": ["x"]})
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "validation_error"


class TestSettings:
    def test_every_kind_with_its_choice(self, me_api):
        kinds = me_api.get("/me/notification-settings").json()["kinds"]
        for kind in (
            "question_answered",
            "comment_reply",
            "announcement",
            "message",
            "course_approved",
            "course_rejected",
            "certificate_issued",
            "badge_earned",
            "review_received",
            "sale",
        ):
            assert set(kinds[kind]) == {"in_app", "email"}

    def test_a_partial_change_keeps_the_rest(self, me_api):
        response = me_api.put(
            "/me/notification-settings",
            {"kinds": {"sale": {"email": False}, "message": {"in_app": False, "email": False}}},
        )
        assert response.status_code == 200
        kinds = me_api.get("/me/notification-settings").json()["kinds"]
        assert kinds["sale"] == {"in_app": True, "email": False}
        assert kinds["message"] == {"in_app": False, "email": False}
        assert kinds["refund"] == {"in_app": True, "email": True}

    def test_an_unknown_kind_is_a_422_naming_it_and_changes_nothing(self, me_api):
        response = me_api.put(
            "/me/notification-settings",
            {"kinds": {"sale": {"email": False}, "gossip": {"email": False}}},
        )
        assert response.status_code == 422
        assert response.json()["error"]["fields"] == {
            "kinds.gossip": ["There is no such kind of notification."]
        }
        assert me_api.get("/me/notification-settings").json()["kinds"]["sale"]["email"] is True

    def test_a_non_boolean_is_a_422(self, me_api):
        response = me_api.put("/me/notification-settings", {"kinds": {"sale": {"email": "maybe"}}})
        assert response.status_code == 422
