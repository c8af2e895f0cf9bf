import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD, ApiClient, login_tokens


def confirmation_key(message) -> str:
    match = re.search(r"/accounts/confirm-email/([^/\s]+)/", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def unverified(db):
    return UserFactory(email="new@example.com", verified_email=False)


@pytest.mark.django_db
class TestVerifyEmail:
    def test_the_key_from_the_sign_up_email_confirms_the_address(
        self, api: ApiClient, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            body = api.post(
                "/auth/register",
                {"email": "fresh@example.com", "password": PASSWORD, "name": "Fresh Face"},
            ).json()
        assert body["user"]["email_verified"] is False
        message = next(m for m in mail.outbox if "Confirm" in m.subject)

        response = api.post("/auth/email/verify", {"key": confirmation_key(message)})

        assert response.status_code == 204
        assert EmailAddress.objects.get(email="fresh@example.com").verified is True
        me = ApiClient(body["access"]).get("/me").json()
        assert me["email_verified"] is True

    def test_a_used_key_does_not_work_again(
        self, api: ApiClient, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            api.post(
                "/auth/register",
                {"email": "twice@example.com", "password": PASSWORD, "name": "Twice"},
            )
        key = confirmation_key(next(m for m in mail.outbox if "Confirm" in m.subject))
        api.post("/auth/email/verify", {"key": key})

        response = api.post("/auth/email/verify", {"key": key})

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_verification_key"

    def test_a_made_up_key_is_400_and_confirms_nothing(self, api: ApiClient, unverified):
        response = api.post("/auth/email/verify", {"key": "not-a-real-key"})

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_verification_key"
        assert EmailAddress.objects.get(user=unverified).verified is False


@pytest.mark.django_db
class TestResendVerification:
    def test_sends_a_new_link_to_an_unconfirmed_address(
        self, unverified, django_capture_on_commit_callbacks
    ):
        client = ApiClient(login_tokens(unverified.email)["access"])

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/auth/email/resend", {})

        assert response.status_code == 202
        assert [m.to for m in mail.outbox] == [["new@example.com"]]
        client.post("/auth/email/verify", {"key": confirmation_key(mail.outbox[0])})
        assert EmailAddress.objects.get(user=unverified).verified is True

    def test_sends_nothing_once_confirmed(
        self, user_api: ApiClient, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = user_api.post("/auth/email/resend", {})

        assert response.status_code == 202
        assert mail.outbox == []

    def test_is_rate_limited(self, unverified):
        client = ApiClient(login_tokens(unverified.email)["access"])
        statuses = [client.post("/auth/email/resend", {}).status_code for _ in range(6)]

        assert statuses == [202, 202, 202, 202, 202, 429]

    def test_needs_a_signed_in_caller(self, api: ApiClient):
        assert api.post("/auth/email/resend", {}).status_code == 401


@pytest.mark.django_db
def test_admin_user_list_costs_the_same_queries_for_any_page_size(
    admin_api: ApiClient, django_assert_max_num_queries
):
    UserFactory.create_batch(30)

    with django_assert_max_num_queries(6) as captured:
        response = admin_api.get("/admin/users?page_size=50")

    assert response.status_code == 200
    assert len(response.json()["items"]) == 31
    assert all("email_verified" in item for item in response.json()["items"])
    assert len(captured) <= 6
