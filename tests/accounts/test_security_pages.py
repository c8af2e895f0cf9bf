"""Where one is signed in (browsers through allauth's sessions, apps through API tokens),
signing out one app or everywhere, downloading one's data and deleting the account."""

import json

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from agora.accounts.models import RefreshToken, User
from tests.accounts.factories import UserFactory
from tests.accounts.test_pages import sign_in, text_of
from tests.conftest import PASSWORD, ApiClient

pytestmark = pytest.mark.django_db

PAGES = ["/accounts/sessions/", "/accounts/data/", "/accounts/data/export/"]


def browser(user: User, agent: str = "Firefox on Linux") -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    sign_in(client, user)
    return client


def app_sign_in(user: User, agent: str = "Agora for Android") -> dict:
    response = ApiClient(HTTP_USER_AGENT=agent).post(
        "/auth/login", {"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_are_for_signed_in_people(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/accounts/sessions/everywhere/", "/accounts/data/delete/"])
def test_the_actions_take_only_a_post(path: str) -> None:
    assert browser(UserFactory()).get(path).status_code == 405


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
LINUX_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def test_the_sessions_page_lists_browsers_and_apps_by_the_names_people_know() -> None:
    person = UserFactory()
    other_browser = browser(person, IPHONE)
    here = browser(person, LINUX_FIREFOX)
    app_sign_in(person, agent="python-requests/2.32.3")
    app_sign_in(person)
    app_sign_in(UserFactory(), agent="Somebody else's app")
    page = text_of(here.get("/accounts/sessions/"))
    assert "Mobile Safari 17 on iPhone (iOS 17)" in page
    assert "Firefox 133 on Linux This browser" in page
    assert "Python Requests 2" in page
    assert "Agora for Android" in page  # not recognised: shown as sent
    assert "Mozilla/5.0" not in text_of(here.get("/accounts/sessions/"))
    assert "Somebody else's app" not in page
    # allauth's own form signs the other browsers out.
    response = here.post("/accounts/sessions/")
    assert response.status_code == 302
    assert other_browser.get("/accounts/profile/").status_code == 302  # signed out
    assert here.get("/accounts/profile/").status_code == 200


def test_an_app_is_signed_out_on_its_own_and_not_someone_elses() -> None:
    person, stranger = UserFactory(), UserFactory()
    tokens = app_sign_in(person)
    theirs = app_sign_in(stranger)
    family = RefreshToken.objects.get(user=person).family
    stranger_family = RefreshToken.objects.get(user=stranger).family
    here = browser(person)
    assert here.post(f"/accounts/sessions/apps/{stranger_family}/end/").status_code == 302
    assert ApiClient().post("/auth/refresh", {"refresh": theirs["refresh"]}).status_code == 200
    response = here.post(f"/accounts/sessions/apps/{family}/end/", follow=True)
    assert "That app is signed out." in text_of(response)
    assert ApiClient().post("/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401


def test_signing_out_everywhere_ends_every_browser_and_app() -> None:
    person = UserFactory()
    elsewhere = browser(person, "Safari on iPhone")
    tokens = app_sign_in(person)
    here = browser(person)
    response = here.post("/accounts/sessions/everywhere/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    for client in (here, elsewhere):
        assert client.get("/accounts/profile/").status_code == 302
    assert ApiClient().post("/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401
    assert ApiClient(token=tokens["access"]).get("/me").status_code == 401


def test_my_data_downloads_as_a_json_file() -> None:
    person = UserFactory(name="Ada Download")
    response = browser(person).get("/accounts/data/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="agora-data-')
    data = json.loads(response.content)
    assert data["profile"]["email"] == person.email
    assert data["profile"]["name"] == "Ada Download"
    assert [row["user_agent"] for row in data["browser_sessions"]] == ["Firefox on Linux"]


def test_deleting_the_account_needs_the_password_and_the_tick() -> None:
    person = UserFactory()
    email = person.email
    here = browser(person)
    wrong = here.post("/accounts/data/delete/", {"password": "nope", "understood": "on"})
    assert wrong.status_code == 400
    assert "That is not your password." in text_of(wrong)
    unticked = here.post("/accounts/data/delete/", {"password": PASSWORD})
    assert unticked.status_code == 400
    person.refresh_from_db()
    assert person.is_active
    assert person.erased_at is None

    response = here.post(
        "/accounts/data/delete/", {"password": PASSWORD, "understood": "on"}, follow=True
    )
    assert "Your account is deleted." in text_of(response)
    person.refresh_from_db()
    assert not person.is_active
    assert person.erased_at is not None
    assert person.name == "Deleted user"
    assert not UserSession.objects.filter(user=person).exists()  # no address or browser kept
    assert here.get("/accounts/profile/").status_code == 302  # signed out
    again = Client().post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert again.status_code == 200  # the form again: no such account any more


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome 131 on Windows 10",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome Mobile 131 on Pixel 8 (Android 14)",
        ),
        ("curl/8.5.0", "curl 8"),
        ("", "Unknown browser"),
        ("x" * 100, "x" * 59 + "…"),
    ],
)
def test_browsers_are_named_from_their_user_agent(agent: str, shown: str) -> None:
    from agora.accounts.devices import describe

    assert describe(agent) == shown
