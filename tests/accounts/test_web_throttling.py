"""Web sign-in throttling answers HTTP 429 with a page that says what to do, as the API does."""

import pytest
from django.test import Client

from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "Wrong-horse-42"


def sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_too_many_failed_sign_ins_are_429_with_advice(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/5m/key"}
    person = UserFactory()
    client = Client()
    for _ in range(3):
        assert sign_in(client, person.email, WRONG).status_code == 200

    response = sign_in(client, person.email, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    html = response.content.decode()
    assert "Too many failed sign-ins for this account." in html
    assert "reset your password" in html
    assert '<form method="post" action="/accounts/login/"' in html  # still the sign-in page
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_below_the_limit_is_still_200(settings):
    person = UserFactory()

    response = sign_in(Client(), person.email, WRONG)

    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )


def test_too_many_sign_in_requests_from_one_address_get_the_429_page(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    client = Client()
    for _ in range(2):
        sign_in(client, "a@example.com", WRONG)

    response = sign_in(client, "a@example.com", WRONG)

    assert response.status_code == 429
    html = response.content.decode()
    assert "<h1>Too many attempts</h1>" in html
    assert "Wait a minute" in html
