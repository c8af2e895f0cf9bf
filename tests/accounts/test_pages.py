"""The web pages people use: home, profile, every django-allauth page, CSRF, CSP, 2FA rule."""

import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from agora.accounts.models import User
from agora.accounts.services import profile, suspension
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD
from tests.policy import csp_directives

pytestmark = pytest.mark.django_db


def sign_in(client: Client, user: User, password: str = PASSWORD) -> None:
    """Signs in through the web form, as a person does: allauth then counts the sign-in as
    a recent authentication, which its sensitive pages (2FA set-up) ask for."""
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, response.content.decode()


def png_bytes(size: tuple[int, int] = (300, 200), color: str = "teal") -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def text_of(response) -> str:
    """The page's text with tags dropped and white space collapsed, for exact phrases."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, tuple[str, dict[str, str | None]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.by_id[attributes["id"]] = (tag, attributes)


def element(response, element_id: str) -> tuple[str, dict[str, str | None]]:
    """The tag name and attributes of the element with this id."""
    parser = _Elements()
    parser.feed(response.content.decode())
    return parser.by_id[element_id]


def reauthenticate(client: Client) -> None:
    """Confirms the password again, as allauth asks before two-factor changes."""
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()


def h1_of(response) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), flags=re.S)
    assert match, "the page has no <h1>"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.fixture
def person(db) -> User:
    return UserFactory(name="Ada Lovelace", email="ada@example.com")


@pytest.fixture
def web(person) -> Client:
    client = Client()
    sign_in(client, person)
    return client


@pytest.fixture
def totp_person(person) -> User:
    TOTP.activate(person, generate_totp_secret())
    RecoveryCodes.activate(person)
    return person


class TestHome:
    def test_anonymous_visitor_is_invited_to_sign_up(self, client):
        response = client.get("/")

        assert response.status_code == 200
        text = text_of(response)
        assert "Learn from people who do the work" in text
        assert 'href="/accounts/signup/" class="button">Create a free account</a>' in (
            response.content.decode()
        )
        assert 'href="/accounts/login/">Sign in</a>' in response.content.decode()
        assert "Sign out" not in text

    def test_signed_in_person_is_welcomed_with_an_account_menu(self, web):
        response = web.get("/")

        assert response.status_code == 200
        html = response.content.decode()
        assert "Welcome back, Ada." in text_of(response)
        assert 'aria-label="Account menu for Ada Lovelace"' in html
        assert '<form method="post" action="/accounts/logout/" class="inline-form">' in html
        assert "Create a free account" not in html

    def test_header_has_a_labelled_search_box_and_skip_link(self, client):
        html = client.get("/").content.decode()

        assert '<form class="site-search" role="search" action="/courses/" method="get">' in html
        assert '<label for="site-search-q" class="visually-hidden">Search courses</label>' in html
        assert '<a class="skip-link" href="#main">Skip to content</a>' in html
        assert '<main id="main" class="container" tabindex="-1">' in html

    def test_search_placeholder_echoes_the_query(self, client):
        response = client.get("/courses/", {"q": "  python   basics "})

        assert response.status_code == 200
        assert h1_of(response) == "Courses matching “python basics”"
        assert 'value="  python   basics "' in response.content.decode()


class TestProfilePage:
    def test_requires_sign_in(self, client):
        response = client.get("/accounts/profile/")

        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/accounts/profile/"

    def test_shows_the_current_profile(self, web, person):
        profile.update_profile(
            user=person,
            changes=profile.ProfileChanges(headline="Analyst", links=["https://ada.example.com"]),
        )

        response = web.get("/accounts/profile/")

        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="name" value="Ada Lovelace"' in html
        assert 'name="headline" value="Analyst"' in html
        assert "https://ada.example.com</textarea>" in html
        assert 'aria-current="page">Profile</a>' in html

    def test_saves_changes(self, web, person):
        response = web.post(
            "/accounts/profile/",
            {
                "name": "  Ada King ",
                "headline": "Mathematician",
                "bio": "Wrote the first program.",
                "links_text": "https://ada.example.com\n\n  example.org/ada  \n",
            },
        )

        assert response.status_code == 302
        assert response["Location"] == "/accounts/profile/"
        person.refresh_from_db()
        assert person.name == "Ada King"
        assert person.headline == "Mathematician"
        assert person.bio == "Wrote the first program."
        assert person.links == ["https://ada.example.com", "https://example.org/ada"]
        page = web.get("/accounts/profile/")
        assert '<div class="flash flash-success" role="status">Your profile is saved.</div>' in (
            page.content.decode()
        )

    @pytest.mark.parametrize(
        "bad_link", ["not a link", "javascript:alert(1)", "ftp//broken", "http://"]
    )
    def test_rejects_a_bad_link_and_saves_nothing(self, web, person, bad_link):
        response = web.post(
            "/accounts/profile/",
            {"name": "Ada King", "headline": "", "bio": "", "links_text": bad_link},
        )

        assert response.status_code == 200
        html = response.content.decode()
        message = f"“{bad_link}” is not a web address. Write it in full, like https://example.com."
        assert response.context["form"].errors == {"links_text": [message]}
        tag, attributes = element(response, "id_links_text")
        assert tag == "textarea"
        assert attributes["aria-invalid"] == "true"
        assert attributes["aria-describedby"] == "id_links_text_helptext id_links_text_error"
        assert element(response, "id_links_text_error")[0] == "small"
        assert 'class="form-errors" role="alert"' in html
        person.refresh_from_db()
        assert person.name == "Ada Lovelace"
        assert person.links == []

    def test_rejects_more_than_ten_links(self, web, person):
        links = "\n".join(f"https://example.com/{n}" for n in range(11))

        response = web.post("/accounts/profile/", {"name": "Ada", "links_text": links})

        assert response.status_code == 200
        assert response.context["form"].errors == {"links_text": ["Add at most 10 links."]}
        person.refresh_from_db()
        assert person.links == []

    def test_rejects_a_blank_name(self, web, person):
        response = web.post("/accounts/profile/", {"name": "   ", "headline": "Hi"})

        assert response.status_code == 200
        assert response.context["form"].errors == {"name": ["This field is required."]}
        person.refresh_from_db()
        assert person.name == "Ada Lovelace"
        assert person.headline == ""

    def test_uploads_an_avatar(self, web, person):
        upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")

        response = web.post("/accounts/profile/", {"name": "Ada Lovelace", "avatar_file": upload})

        assert response.status_code == 302
        person.refresh_from_db()
        assert re.fullmatch(rf"avatars/{person.pk}/[0-9a-f]{{32}}\.png", person.avatar.name)
        with Image.open(person.avatar.path) as stored:
            assert (stored.format, stored.size) == ("PNG", (256, 256))
        page = web.get("/accounts/profile/").content.decode()
        assert f'<img class="avatar" src="/media/{person.avatar.name}"' in page

    def test_rejects_a_file_that_is_not_an_image(self, web, person):
        upload = SimpleUploadedFile("me.png", b"just text", content_type="image/png")

        response = web.post("/accounts/profile/", {"name": "Ada King", "avatar_file": upload})

        assert response.status_code == 200
        assert list(response.context["form"].errors) == ["avatar_file"]
        person.refresh_from_db()
        assert person.avatar.name == ""
        assert person.name == "Ada Lovelace"

    def test_rejects_an_image_over_the_size_limit(self, web, person, settings):
        settings.AVATAR_MAX_BYTES = 100
        upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")

        response = web.post("/accounts/profile/", {"name": "Ada King", "avatar_file": upload})

        assert response.status_code == 200
        assert response.context["form"].errors == {
            "avatar_file": ["The image is larger than 0 KB."]
        }
        person.refresh_from_db()
        assert person.avatar.name == ""
        assert person.name == "Ada Lovelace"


class TestPublicProfile:
    def test_instructor_has_a_public_page(self, client):
        teacher = UserFactory(
            name="Grace Hopper",
            is_instructor=True,
            headline="Rear admiral",
            links=["https://grace.example.com"],
        )

        response = client.get(f"/people/{teacher.pk}/")

        assert response.status_code == 200
        assert h1_of(response) == "Grace Hopper"
        assert '<a href="https://grace.example.com" rel="nofollow noopener ugc">' in (
            response.content.decode()
        )

    def test_a_learner_has_one_unless_they_keep_to_themselves(self, client, person):
        person.bio = "Private notes about me"
        person.save(update_fields=["bio"])

        shown = client.get(f"/people/{person.pk}/")
        person.show_on_leaderboards = False
        person.save(update_fields=["show_on_leaderboards"])
        hidden = client.get(f"/people/{person.pk}/")

        assert shown.status_code == 200
        assert h1_of(shown) == person.name
        assert "Private notes about me" not in shown.content.decode()  # bios: instructors'
        assert hidden.status_code == 404
        assert h1_of(hidden) == "Page not found"

    def test_profile_page_links_an_instructor_to_their_public_page(self, web, person):
        profile.become_instructor(user=person)

        html = web.get("/accounts/profile/").content.decode()

        assert f'<a href="/people/{person.pk}/">your public page</a>' in html


class TestSignInPages:
    def test_sign_up_creates_a_signed_in_account_with_a_name(self, client):
        response = client.post(
            "/accounts/signup/",
            {"name": "Grace Hopper", "email": "Grace@Example.com", "password1": "Cobol-ships-1959"},
        )

        assert response.status_code == 302
        assert response["Location"] == "/"
        grace = User.objects.get(email="grace@example.com")
        assert grace.name == "Grace Hopper"
        assert "Welcome back, Grace." in text_of(client.get("/"))

    def test_sign_up_errors_are_summarised_and_tied_to_their_field(self, client):
        response = client.post(
            "/accounts/signup/",
            {"name": "Grace Hopper", "email": "grace@example.com", "password1": "1234567890"},
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert '<p class="form-errors-title">There is a problem</p>' in html
        assert '<a href="#id_password1">Password: This password is too common.</a>' in html
        _, password_input = element(response, "id_password1")
        assert password_input["aria-invalid"] == "true"
        assert password_input["aria-describedby"] == "id_password1_helptext id_password1_error"
        assert element(response, "id_password1_error")[0] == "small"
        assert not User.objects.filter(email="grace@example.com").exists()

    def test_wrong_password_shows_an_error(self, client, person):
        response = client.post(
            "/accounts/login/", {"login": person.email, "password": "Wrong-horse-42"}
        )

        assert response.status_code == 200
        assert "<li>The email address and/or password you specified are not correct.</li>" in (
            response.content.decode()
        )
        assert "_auth_user_id" not in client.session

    def test_sign_out_ends_the_session(self, web):
        response = web.post("/accounts/logout/")

        assert response.status_code == 302
        assert response["Location"] == "/"
        assert "_auth_user_id" not in web.session


def _reset_from_key_url(user: User) -> str:
    key = default_token_generator.make_token(user)
    return f"/accounts/password/reset/key/{user_pk_to_url_str(user)}-{key}/"


def _email_confirm_url(user: User) -> str:
    address = EmailAddress.objects.create(user=user, email="second@example.com")
    return f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/"


# (path, its <h1>, its layout: a sign-in card or the account settings with their menu)
ANONYMOUS_PAGES = [
    ("/accounts/login/", "Sign In", "card"),
    ("/accounts/signup/", "Sign Up", "card"),
    ("/accounts/password/reset/", "Password Reset", "card"),
    ("/accounts/password/reset/done/", "Password Reset", "card"),
    ("/accounts/password/reset/key/done/", "Change Password", "card"),
    ("/accounts/inactive/", "Account Inactive", "card"),
]
SIGNED_IN_PAGES = [
    ("/accounts/logout/", "Sign Out", "card"),
    ("/accounts/email/", "Email Addresses", "settings"),
    ("/accounts/password/change/", "Change Password", "settings"),
    ("/accounts/reauthenticate/", "Confirm Access", "card"),
    ("/accounts/2fa/", "Two-Factor Authentication", "settings"),
    ("/accounts/2fa/totp/activate/", "Activate Authenticator App", "settings"),
    ("/accounts/profile/", "Your profile", "settings"),
]
TOTP_PAGES = [
    ("/accounts/2fa/", "Two-Factor Authentication", "settings"),
    ("/accounts/2fa/totp/deactivate/", "Deactivate Authenticator App", "settings"),
    ("/accounts/2fa/recovery-codes/", "Recovery Codes", "settings"),
    ("/accounts/2fa/recovery-codes/generate/", "Recovery Codes", "settings"),
    ("/accounts/2fa/reauthenticate/", "Confirm Access", "card"),
]
_LAYOUT_MARKERS = {
    "card": '<article class="entrance-card">',
    "settings": '<nav class="settings-nav" aria-label="Account settings">',
}


def assert_agora_page(response, heading: str, layout: str) -> None:
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    assert h1_of(response) == heading
    assert _LAYOUT_MARKERS[layout] in html
    other_layout = _LAYOUT_MARKERS["settings" if layout == "card" else "card"]
    assert other_layout not in html
    assert '<header class="site-header">' in html
    assert '<footer class="site-footer">' in html
    assert "/static/agora/agora.css" in html
    # allauth's bare fallback layout would print this menu; ours replaces it.
    assert "<strong>Menu:</strong>" not in html
    # Every label points at a control that exists.
    for label_for in re.findall(r'<label for="([^"]+)"', html):
        assert f'id="{label_for}"' in html, f"label for #{label_for} has no control"


class TestAllauthPagesUseTheAgoraLayout:
    @pytest.mark.parametrize(("path", "heading", "layout"), ANONYMOUS_PAGES)
    def test_anonymous_pages(self, client, path, heading, layout):
        assert_agora_page(client.get(path), heading, layout)

    @pytest.mark.parametrize(("path", "heading", "layout"), SIGNED_IN_PAGES)
    def test_signed_in_pages(self, web, path, heading, layout):
        reauthenticate(web)
        assert_agora_page(web.get(path), heading, layout)

    def test_two_factor_changes_ask_for_the_password_again_first(self, web):
        response = web.get("/accounts/2fa/totp/activate/", follow=True)

        assert response.redirect_chain == [
            ("/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F", 302)
        ]
        assert_agora_page(response, "Confirm Access", "card")

    @pytest.mark.parametrize(("path", "heading", "layout"), TOTP_PAGES)
    def test_two_factor_pages(self, totp_person, path, heading, layout):
        client = Client()
        client.force_login(totp_person)
        reauthenticate(client)
        assert_agora_page(client.get(path), heading, layout)

    def test_password_reset_from_key_page(self, client, person):
        response = client.get(_reset_from_key_url(person), follow=True)

        assert_agora_page(response, "Change Password", "card")
        assert 'name="password1"' in response.content.decode()

    def test_password_reset_with_a_bad_key_says_so(self, client, person):
        response = client.get(
            f"/accounts/password/reset/key/{user_pk_to_url_str(person)}-nope/", follow=True
        )

        assert_agora_page(response, "Bad Token", "card")

    def test_email_confirm_page(self, web, person):
        assert_agora_page(web.get(_email_confirm_url(person)), "Confirm Email Address", "card")

    def test_two_factor_step_of_sign_in(self, client, totp_person):
        response = client.post(
            "/accounts/login/", {"login": totp_person.email, "password": PASSWORD}, follow=True
        )

        assert response.redirect_chain == [("/accounts/2fa/authenticate/", 302)]
        assert_agora_page(response, "Two-Factor Authentication", "card")
        assert 'autocomplete="one-time-code"' in response.content.decode()

    def test_totp_activation_shows_a_qr_code_and_a_readable_secret(self, web):
        reauthenticate(web)

        response = web.get("/accounts/2fa/totp/activate/")

        assert '<img class="qr-code" src="data:image/svg+xml;base64,' in response.content.decode()
        tag, attributes = element(response, "authenticator_secret")
        assert tag == "input"
        assert re.fullmatch(r"[A-Z2-7]{32}", attributes["value"] or "")
        assert "readonly" in attributes
        assert "disabled" not in attributes


# (path, whether it needs a signed-in person)
FORM_PAGES = [
    ("/accounts/login/", False),
    ("/accounts/signup/", False),
    ("/accounts/password/reset/", False),
    ("/accounts/logout/", True),
    ("/accounts/email/", True),
    ("/accounts/password/change/", True),
    ("/accounts/reauthenticate/", True),
    ("/accounts/2fa/totp/activate/", True),
    ("/accounts/profile/", True),
]


class TestCsrf:
    def test_every_form_page_carries_a_csrf_token(self, person):
        anonymous, signed_in = Client(), Client()
        sign_in(signed_in, person)
        reauthenticate(signed_in)
        for path, needs_sign_in in FORM_PAGES:
            response = (signed_in if needs_sign_in else anonymous).get(path)
            html = response.content.decode()
            forms = len(re.findall(r'<form method="post"', html))
            tokens = len(re.findall(r'<input type="hidden" name="csrfmiddlewaretoken"', html))
            assert response.status_code == 200, path
            assert forms >= 1, path
            assert tokens == forms, f"{path}: {forms} POST forms, {tokens} CSRF tokens"

    def test_sign_in_without_csrf_token_is_refused(self, person):
        client = Client(enforce_csrf_checks=True)

        response = client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})

        assert response.status_code == 403
        assert "_auth_user_id" not in client.session

    def test_profile_change_without_csrf_token_is_refused(self, person):
        client = Client(enforce_csrf_checks=True)
        client.force_login(person)

        response = client.post("/accounts/profile/", {"name": "Mallory"})

        assert response.status_code == 403
        person.refresh_from_db()
        assert person.name == "Ada Lovelace"


class TestContentSecurityPolicy:
    def test_pages_send_a_policy_without_inline_script_or_style(self, client):
        response = client.get("/")

        policy = response["Content-Security-Policy"]
        directives = csp_directives(response)
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["default-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy

    @pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/courses/"])
    def test_templates_use_no_inline_script_or_style(self, client, path):
        html = client.get(path).content.decode()

        assert " style=" not in html
        assert "<style" not in html
        # Every <script> loads a file; none carries code of its own.
        assert re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S) == ["", ""]
        assert all(" src=" in tag for tag in re.findall(r"<script\b[^>]*>", html))


class TestAdminTwoFactorRule:
    def test_admin_without_totp_is_sent_to_set_it_up(self, settings, admin_user):
        settings.REQUIRE_ADMIN_2FA = True
        client = Client()
        sign_in(client, admin_user)

        response = client.get("/")

        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"
        # allauth asks for the password again before any two-factor change.
        page = client.get(response["Location"], follow=True)
        assert h1_of(page) == "Confirm Access"
        assert "Admins must turn on two-factor authentication first." in text_of(page)

    def test_admin_without_totp_cannot_reach_the_admin_site(self, settings, admin_user):
        settings.REQUIRE_ADMIN_2FA = True
        client = Client()
        client.force_login(admin_user)

        response = client.get("/admin/")

        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"

    def test_admin_with_totp_gets_through(self, settings, admin_user):
        settings.REQUIRE_ADMIN_2FA = True
        TOTP.activate(admin_user, generate_totp_secret())
        client = Client()
        client.force_login(admin_user)

        assert client.get("/").status_code == 200

    def test_non_admin_is_not_asked(self, settings, person):
        settings.REQUIRE_ADMIN_2FA = True
        client = Client()
        client.force_login(person)

        response = client.get("/")

        assert response.status_code == 200
        assert not Authenticator.objects.filter(user=person).exists()

    def test_rule_is_off_by_default(self, settings, admin_user):
        settings.REQUIRE_ADMIN_2FA = False
        client = Client()
        client.force_login(admin_user)

        assert client.get("/").status_code == 200


class TestSuspension:
    def test_suspended_persons_web_session_stops_on_the_next_request(self, web, person, admin_user):
        assert web.get("/accounts/profile/").status_code == 200

        suspension.suspend_user(actor=admin_user, user=person, reason="spam")

        response = web.get("/accounts/profile/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/accounts/profile/"
        home = web.get("/")
        assert home.context["user"].is_authenticated is False
        assert "Welcome back" not in text_of(home)

    def test_suspended_person_cannot_sign_in_on_the_web(self, client, person, admin_user):
        suspension.suspend_user(actor=admin_user, user=person)

        response = client.post(
            "/accounts/login/", {"login": person.email, "password": PASSWORD}, follow=True
        )

        assert response.redirect_chain == [("/accounts/inactive/", 302)]
        assert h1_of(response) == "Account Inactive"
        assert "_auth_user_id" not in client.session
