from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agora.accounts.models import RefreshToken, User
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD, ApiClient, login_tokens


def error(response) -> dict:
    return response.json()["error"]


@pytest.mark.django_db
class TestSuspend:
    def test_suspends_the_user(self, admin_api: ApiClient, user):
        response = admin_api.post(f"/admin/users/{user.pk}/suspend", {"reason": "Spam"})

        assert response.status_code == 200
        body = response.json()
        assert body["id"] == user.pk
        assert body["is_active"] is False
        assert body["suspended_at"] is not None
        assert body["suspension_reason"] == "Spam"
        user.refresh_from_db()
        assert user.is_suspended
        assert user.suspension_reason == "Spam"

    def test_works_without_a_body(self, admin_api: ApiClient, user):
        response = admin_api.post(f"/admin/users/{user.pk}/suspend", raw="")

        assert response.status_code == 200
        assert response.json()["suspension_reason"] == ""

    def test_tokens_stop_working_at_once(self, admin_api: ApiClient, api: ApiClient, user):
        tokens = login_tokens(user.email)
        assert ApiClient(tokens["access"]).get("/me").status_code == 200

        admin_api.post(f"/admin/users/{user.pk}/suspend", {})

        assert ApiClient(tokens["access"]).get("/me").status_code == 401
        assert api.post("/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401
        assert RefreshToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0

    def test_web_session_stops_working_at_once(self, admin_api: ApiClient, user):
        browser = Client()
        browser.force_login(user)
        assert browser.get("/accounts/profile/").status_code == 200

        admin_api.post(f"/admin/users/{user.pk}/suspend", {})

        response = browser.get("/accounts/profile/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_suspended_user_cannot_sign_in(self, admin_api: ApiClient, api: ApiClient, user):
        admin_api.post(f"/admin/users/{user.pk}/suspend", {})

        response = api.post("/auth/login", {"email": user.email, "password": PASSWORD})

        assert response.status_code == 403
        assert error(response)["code"] == "account_suspended"

    def test_non_admin_is_403(self, user_api: ApiClient):
        victim = UserFactory()

        response = user_api.post(f"/admin/users/{victim.pk}/suspend", {})

        assert response.status_code == 403
        assert error(response)["code"] == "admin_required"
        victim.refresh_from_db()
        assert not victim.is_suspended

    def test_anonymous_is_401(self, api: ApiClient, user):
        response = api.post(f"/admin/users/{user.pk}/suspend", {})

        assert response.status_code == 401
        user.refresh_from_db()
        assert not user.is_suspended

    def test_unknown_user_is_404(self, admin_api: ApiClient):
        response = admin_api.post("/admin/users/999999/suspend", {})

        assert response.status_code == 404
        assert error(response)["code"] == "user_not_found"

    def test_suspending_yourself_is_409(self, admin_api: ApiClient, admin_user):
        response = admin_api.post(f"/admin/users/{admin_user.pk}/suspend", {})

        assert response.status_code == 409
        assert error(response)["code"] == "cannot_suspend_self"
        admin_user.refresh_from_db()
        assert not admin_user.is_suspended
        assert admin_api.get("/me").status_code == 200

    def test_staff_admin_cannot_suspend_a_superuser(self, admin_user):
        staff = UserFactory(is_staff=True)
        staff_api = ApiClient(login_tokens(staff.email)["access"])

        response = staff_api.post(f"/admin/users/{admin_user.pk}/suspend", {})

        assert response.status_code == 403
        admin_user.refresh_from_db()
        assert not admin_user.is_suspended

    def test_suspending_twice_keeps_the_first_date(self, admin_api: ApiClient, user):
        first = admin_api.post(f"/admin/users/{user.pk}/suspend", {}).json()["suspended_at"]

        second = admin_api.post(f"/admin/users/{user.pk}/suspend", {"reason": "Again"})

        assert second.status_code == 200
        assert second.json()["suspended_at"] == first


@pytest.mark.django_db
class TestUnsuspend:
    def test_lifts_the_suspension(self, admin_api: ApiClient, api: ApiClient, user):
        admin_api.post(f"/admin/users/{user.pk}/suspend", {"reason": "Spam"})

        response = admin_api.post(f"/admin/users/{user.pk}/unsuspend", {})

        assert response.status_code == 200
        body = response.json()
        assert body["is_active"] is True
        assert body["suspended_at"] is None
        assert body["suspension_reason"] == ""
        login = api.post("/auth/login", {"email": user.email, "password": PASSWORD})
        assert login.status_code == 200

    def test_old_tokens_stay_dead(self, admin_api: ApiClient, api: ApiClient, user):
        tokens = login_tokens(user.email)
        admin_api.post(f"/admin/users/{user.pk}/suspend", {})

        admin_api.post(f"/admin/users/{user.pk}/unsuspend", {})

        assert api.post("/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401

    def test_non_admin_is_403(self, user_api: ApiClient):
        victim = UserFactory(is_active=False, suspended_at=timezone.now())

        response = user_api.post(f"/admin/users/{victim.pk}/unsuspend", {})

        assert response.status_code == 403
        victim.refresh_from_db()
        assert victim.is_suspended

    def test_unknown_user_is_404(self, admin_api: ApiClient):
        assert admin_api.post("/admin/users/999999/unsuspend", {}).status_code == 404

    def test_erased_account_cannot_be_restored(self, admin_api: ApiClient, user):
        ApiClient(login_tokens(user.email)["access"]).delete("/me")

        response = admin_api.post(f"/admin/users/{user.pk}/unsuspend", {})

        assert response.status_code == 409
        assert error(response)["code"] == "account_erased"
        user.refresh_from_db()
        assert user.is_active is False


@pytest.fixture
def people(admin_user) -> list[User]:
    """25 more users, newest first, plus the admin (the oldest)."""
    start = timezone.now() - timedelta(days=100)
    User.objects.filter(pk=admin_user.pk).update(date_joined=start)
    made = [
        UserFactory(
            email=f"member{n:02d}@example.com",
            name=f"Member {n:02d}",
            date_joined=start + timedelta(days=n + 1),
        )
        for n in range(25)
    ]
    return [*reversed(made), admin_user]


@pytest.mark.django_db
class TestListUsers:
    def test_first_page(self, admin_api: ApiClient, people):
        response = admin_api.get("/admin/users?page_size=10")

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 26
        assert body["page"] == 1
        assert body["page_size"] == 10
        assert [item["id"] for item in body["items"]] == [p.pk for p in people[:10]]

    def test_items_carry_admin_fields(self, admin_api: ApiClient, people):
        item = admin_api.get("/admin/users?page_size=1").json()["items"][0]

        assert set(item) == {
            "id",
            "email",
            "name",
            "roles",
            "headline",
            "bio",
            "links",
            "time_zone",
            "show_on_leaderboards",
            "avatar_url",
            "email_verified",
            "date_joined",
            "is_active",
            "suspended_at",
            "suspension_reason",
            "last_login",
        }

    def test_last_page_is_partial(self, admin_api: ApiClient, people):
        body = admin_api.get("/admin/users?page=3&page_size=10").json()

        assert [item["id"] for item in body["items"]] == [p.pk for p in people[20:]]
        assert body["count"] == 26

    def test_page_past_the_end_is_empty(self, admin_api: ApiClient, people):
        body = admin_api.get("/admin/users?page=9&page_size=10").json()

        assert body == {"items": [], "count": 26, "page": 9, "page_size": 10}

    def test_default_page_size_is_20(self, admin_api: ApiClient, people):
        body = admin_api.get("/admin/users").json()

        assert body["page_size"] == 20
        assert len(body["items"]) == 20

    def test_page_size_is_capped_at_100(self, admin_api: ApiClient, people):
        UserFactory.create_batch(80)

        body = admin_api.get("/admin/users?page_size=500").json()

        assert body["page_size"] == 100
        assert len(body["items"]) == 100
        assert body["count"] == 106

    @pytest.mark.parametrize("query", ["page=0", "page=-1", "page_size=0", "page=abc"])
    def test_bad_paging_is_422(self, admin_api: ApiClient, query):
        response = admin_api.get(f"/admin/users?{query}")

        assert response.status_code == 422
        assert set(error(response)["fields"]) == {query.split("=")[0]}

    def test_search_matches_email_and_name(self, admin_api: ApiClient, people):
        by_name = admin_api.get("/admin/users?q=member 07").json()
        by_email = admin_api.get("/admin/users?q=MEMBER1").json()

        assert [item["email"] for item in by_name["items"]] == ["member07@example.com"]
        assert by_name["count"] == 1
        assert by_email["count"] == 10
        assert {item["email"] for item in by_email["items"]} == {
            f"member{n}@example.com" for n in range(10, 20)
        }

    def test_role_filter(self, admin_api: ApiClient, people, admin_user):
        User.objects.filter(pk__in=[people[0].pk, people[1].pk]).update(is_instructor=True)

        instructors = admin_api.get("/admin/users?role=instructor").json()
        admins = admin_api.get("/admin/users?role=admin").json()
        students = admin_api.get("/admin/users?role=student&page_size=100").json()

        assert [item["id"] for item in instructors["items"]] == [people[0].pk, people[1].pk]
        assert [item["id"] for item in admins["items"]] == [admin_user.pk]
        assert students["count"] == 23

    def test_bad_role_is_422(self, admin_api: ApiClient):
        response = admin_api.get("/admin/users?role=wizard")

        assert response.status_code == 422
        assert error(response)["fields"] == {"role": ["Use student, instructor or admin."]}

    def test_suspended_filter(self, admin_api: ApiClient, people):
        User.objects.filter(pk=people[3].pk).update(is_active=False, suspended_at=timezone.now())

        suspended = admin_api.get("/admin/users?suspended=true").json()
        active = admin_api.get("/admin/users?suspended=false").json()

        assert [item["id"] for item in suspended["items"]] == [people[3].pk]
        assert active["count"] == 25

    def test_non_admin_is_403(self, user_api: ApiClient):
        response = user_api.get("/admin/users")

        assert response.status_code == 403
        assert error(response)["code"] == "admin_required"

    def test_anonymous_is_401(self, api: ApiClient):
        assert api.get("/admin/users").status_code == 401


@pytest.mark.django_db
class TestLiftingASuspensionRevivesNothing:
    def test_old_access_token_and_session_stay_dead_after_unsuspend(
        self, user, admin_user, admin_api: ApiClient
    ):
        access = login_tokens(user.email)["access"]
        browser = Client()
        browser.force_login(user)
        admin_api.post(f"/admin/users/{user.pk}/suspend", {})

        response = admin_api.post(f"/admin/users/{user.pk}/unsuspend", {})

        assert response.status_code == 200
        assert ApiClient(access).get("/me").status_code == 401
        assert browser.get("/accounts/profile/").status_code == 302
        assert ApiClient(login_tokens(user.email)["access"]).get("/me").status_code == 200
