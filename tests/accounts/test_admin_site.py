"""The Django admin's user pages: search, filters and the suspend action."""

import pytest
from django.test import Client

from agora.accounts.models import RefreshToken
from agora.core.models import OutboxEmail
from tests.accounts.factories import UserFactory
from tests.conftest import login_tokens


@pytest.fixture
def admin_browser(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
class TestUserAdmin:
    def test_search_finds_by_name_and_email(self, admin_browser):
        UserFactory(name="Grace Hopper", email="grace@example.com")
        UserFactory(name="Alan Turing", email="alan@example.com")

        page = admin_browser.get("/admin/accounts/user/?q=hopper").content.decode()

        assert "grace@example.com" in page
        assert "alan@example.com" not in page

    def test_suspended_filter(self, admin_browser, admin_user):
        from agora.accounts.services import suspension

        quiet = UserFactory(email="quiet@example.com")
        loud = UserFactory(email="loud@example.com")
        suspension.suspend_user(actor=admin_user, user=loud)

        page = admin_browser.get("/admin/accounts/user/?suspended=yes").content.decode()

        assert "loud@example.com" in page
        assert quiet.email not in page

    def test_suspend_action_suspends_and_revokes(self, admin_browser):
        target = UserFactory(email="target@example.com")
        login_tokens(target.email)

        response = admin_browser.post(
            "/admin/accounts/user/",
            {"action": "suspend_users", "_selected_action": [target.pk]},
            follow=True,
        )

        assert response.status_code == 200
        target.refresh_from_db()
        assert target.is_suspended
        assert not target.is_active
        assert not RefreshToken.objects.filter(user=target, revoked_at__isnull=True).exists()

    def test_a_learner_cannot_open_the_admin(self, user):
        client = Client()
        client.force_login(user)

        response = client.get("/admin/accounts/user/")

        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_admins_read_the_outbox(admin_browser):
    OutboxEmail.objects.create(
        from_email="a@b.c", to=["reader@example.com"], subject="Hello there", text_body="Hi"
    )

    page = admin_browser.get("/admin/core/outboxemail/").content.decode()

    assert "Hello there" in page
    assert "reader@example.com" in page


@pytest.mark.django_db
def test_the_admin_index_has_one_accounts_section(admin_browser):
    page = admin_browser.get("/admin/").content.decode()
    assert page.count(">Accounts</a>") == 1
    for model in ("Users", "Email addresses", "Authenticators", "User sessions", "Groups"):
        assert f">{model}</a>" in page, model
    assert "Authentication and Authorization" not in page
    for model in ("Courses", "Categories", "Enrollments", "Orders"):
        assert f">{model}</a>" in page, model


@pytest.mark.django_db
def test_courses_and_enrollments_are_listed_with_filters(admin_browser):
    from tests.catalog.factories import CourseFactory

    CourseFactory(title="Rope work")
    page = admin_browser.get("/admin/catalog/course/?status__exact=published").content.decode()
    assert "Rope work" in page
    drafts = admin_browser.get("/admin/catalog/course/?status__exact=draft").content.decode()
    assert "Rope work" not in drafts
    assert admin_browser.get("/admin/catalog/category/").status_code == 200
    assert admin_browser.get("/admin/learning/enrollment/?source__exact=grant").status_code == 200
