"""People signing up, in and out, resetting a password and editing their profile, in Chromium."""

import re
import time
from io import BytesIO
from typing import Any

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from PIL import Image

from agora.accounts.models import User
from agora.core.models import OutboxEmail
from tests.accounts.factories import UserFactory
from tests.browser.conftest import MOBILE, BrowserLog, overflow
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Lighthouse-keeper-77"


@pytest.fixture
def ada(transactional_db: Any) -> User:
    return UserFactory(name="Ada Lovelace", email="ada@example.com")


def submit(page: Any) -> None:
    """Presses the main form's submit button and waits for the next page."""
    with page.expect_navigation():
        page.locator("main form.stacked-form button[type=submit]").first.click()


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    submit(page)


def focused_element(page: Any) -> dict[str, str]:
    return page.evaluate(
        "() => ({tag: document.activeElement.tagName.toLowerCase(),"
        " cls: document.activeElement.className, id: document.activeElement.id})"
    )


def path_of(page: Any, live_server: Any) -> str:
    return page.url.removeprefix(live_server.url)


class TestSignUp:
    def test_sign_up_with_name_email_and_password_lands_signed_in(
        self, page, live_server, screenshot
    ):
        page.goto("/")
        page.get_by_role("link", name="Sign up").click()
        page.wait_for_url("**/accounts/signup/")
        page.get_by_label("Your name").fill("Grace Hopper")
        page.get_by_label("Email").fill("grace@example.com")
        page.get_by_label("Password").fill("Cobol-ships-1959")
        screenshot(page, "signup")

        submit(page)

        assert path_of(page, live_server) == "/"
        assert page.locator(".hero-welcome").inner_text() == "Welcome back, Grace."
        assert page.locator(".account-menu-name").inner_text() == "Grace"
        grace = User.objects.get(email="grace@example.com")
        assert grace.name == "Grace Hopper"
        assert grace.check_password("Cobol-ships-1959")
        screenshot(page, "home-signed-in")

    def test_sign_up_problems_are_shown_and_focused(self, page, live_server):
        page.goto("/accounts/signup/")
        page.get_by_label("Your name").fill("Grace Hopper")
        page.get_by_label("Email").fill("grace@example.com")
        page.get_by_label("Password").fill("1234567890")

        submit(page)

        assert path_of(page, live_server) == "/accounts/signup/"
        summary = page.locator(".form-errors")
        assert summary.get_attribute("role") == "alert"
        assert summary.locator("li").all_inner_texts() == [
            "Password: This password is too common.",
            "Password: This password is entirely numeric.",
        ]
        assert focused_element(page)["cls"] == "form-errors"
        assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
        assert not User.objects.filter(email="grace@example.com").exists()


class TestSignInAndOut:
    def test_sign_in_from_the_home_page(self, page, live_server, ada, screenshot):
        page.goto("/")
        page.get_by_role("link", name="Sign in").first.click()
        page.wait_for_url("**/accounts/login/")
        page.get_by_label("Email").fill("ada@example.com")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        screenshot(page, "login")

        submit(page)

        assert path_of(page, live_server) == "/"
        assert page.locator(".hero-welcome").inner_text() == "Welcome back, Ada."
        assert page.locator(".flash-success").inner_text() == (
            "Successfully signed in as Ada Lovelace."
        )

    def test_wrong_password_shows_an_error(self, page, live_server, ada, screenshot):
        sign_in(page, "ada@example.com", "Not-the-password-1")

        assert path_of(page, live_server) == "/accounts/login/"
        assert page.locator(".form-errors li").all_inner_texts() == [
            "The email address and/or password you specified are not correct."
        ]
        assert focused_element(page)["cls"] == "form-errors"
        assert page.get_by_role("link", name="Sign in").count() == 1
        screenshot(page, "login-error")

    def test_sign_out_from_the_account_menu(self, page, live_server, ada):
        sign_in(page, "ada@example.com", PASSWORD)
        page.locator("details.account-menu summary").click()

        with page.expect_navigation():
            page.get_by_role("button", name="Sign out").click()

        assert path_of(page, live_server) == "/"
        assert page.locator(".flash-success").inner_text() == "You have signed out."
        assert page.get_by_role("link", name="Create a free account").is_visible()
        page.goto("/accounts/profile/")
        assert path_of(page, live_server) == "/accounts/login/?next=/accounts/profile/"

    def test_sign_out_confirmation_page(self, page, live_server, ada, screenshot):
        sign_in(page, "ada@example.com", PASSWORD)
        page.goto("/accounts/logout/")
        screenshot(page, "logout")

        submit(page)

        assert path_of(page, live_server) == "/"
        assert page.locator(".account-menu").count() == 0


class TestTwoFactor:
    def test_sign_in_asks_for_the_authenticator_code(
        self, page, live_server, ada, settings, screenshot
    ):
        settings.MFA_TOTP_TOLERANCE = 1  # a code made at the end of a period still counts
        secret = generate_totp_secret()
        TOTP.activate(ada, secret)
        RecoveryCodes.activate(ada)

        sign_in(page, "ada@example.com", PASSWORD)

        assert path_of(page, live_server) == "/accounts/2fa/authenticate/"
        assert page.locator("h1").inner_text() == "Two-Factor Authentication"
        screenshot(page, "two-factor-sign-in")
        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
        page.get_by_label("Code").fill(code)
        submit(page)
        assert path_of(page, live_server) == "/"
        assert page.locator(".hero-welcome").inner_text() == "Welcome back, Ada."

        page.goto("/accounts/2fa/recovery-codes/")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        submit(page)
        assert path_of(page, live_server) == "/accounts/2fa/recovery-codes/"
        codes = page.get_by_label("Unused codes").input_value().split()
        assert len(codes) == 10
        screenshot(page, "recovery-codes")


class TestPasswordReset:
    def test_reset_through_the_outbox(self, page, live_server, ada, settings, screenshot):
        settings.EMAIL_BACKEND = "agora.core.mail.OutboxBackend"
        page.goto("/accounts/login/")
        page.get_by_role("link", name="Forgot your password?").click()
        page.wait_for_url("**/accounts/password/reset/")
        page.get_by_label("Email").fill("ada@example.com")
        screenshot(page, "password-reset-request")

        submit(page)

        assert path_of(page, live_server) == "/accounts/password/reset/done/"
        email = OutboxEmail.objects.filter(to=["ada@example.com"]).first()
        assert email is not None
        assert email.subject == "[Agora] Reset your password"
        links = re.findall(r"https?://\S+/accounts/password/reset/key/\S+", email.text_body)
        assert len(links) == 1
        reset_path = "/accounts/password/reset/key/" + links[0].split("/reset/key/", 1)[1]

        page.goto(reset_path)
        assert page.locator("h1").inner_text() == "Change Password"
        page.get_by_label("New Password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New Password (again)").fill(NEW_PASSWORD)
        screenshot(page, "password-reset-new-password")
        submit(page)

        assert path_of(page, live_server) == "/accounts/password/reset/key/done/"
        assert page.locator("main p").first.inner_text() == "Your password is now changed."
        screenshot(page, "password-reset-done")
        page.get_by_role("link", name="Sign in with your new password").click()
        page.wait_for_url("**/accounts/login/")

        sign_in(page, "ada@example.com", PASSWORD)
        assert path_of(page, live_server) == "/accounts/login/"
        assert page.locator(".form-errors li").all_inner_texts() == [
            "The email address and/or password you specified are not correct."
        ]

        sign_in(page, "ada@example.com", NEW_PASSWORD)
        assert path_of(page, live_server) == "/"
        assert page.locator(".hero-welcome").inner_text() == "Welcome back, Ada."

    def test_a_used_reset_link_stops_working(self, page, live_server, ada, settings):
        settings.EMAIL_BACKEND = "agora.core.mail.OutboxBackend"
        page.goto("/accounts/password/reset/")
        page.get_by_label("Email").fill("ada@example.com")
        submit(page)
        email = OutboxEmail.objects.filter(to=["ada@example.com"]).first()
        assert email is not None
        link = re.findall(r"https?://\S+/accounts/password/reset/key/\S+", email.text_body)[0]
        reset_path = "/accounts/password/reset/key/" + link.split("/reset/key/", 1)[1]
        page.goto(reset_path)
        page.get_by_label("New Password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New Password (again)").fill(NEW_PASSWORD)
        submit(page)

        page.goto(reset_path)

        assert page.locator("h1").inner_text() == "Bad Token"


def _png(size: tuple[int, int] = (320, 240)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, "darkorange").save(buffer, format="PNG")
    return buffer.getvalue()


class TestProfile:
    def test_edit_profile_and_upload_a_picture(self, page, live_server, ada, screenshot):
        sign_in(page, "ada@example.com", PASSWORD)
        page.locator("details.account-menu summary").click()
        page.locator("details.account-menu").get_by_role("link", name="Profile").click()
        page.wait_for_url("**/accounts/profile/")
        screenshot(page, "profile")

        page.get_by_label("Headline").fill("Mathematician")
        page.get_by_label("About you").fill("Wrote the first program.")
        page.get_by_label("Links").fill("https://ada.example.com\nexample.org/ada")
        page.get_by_label("Profile picture").set_input_files(
            files=[{"name": "me.png", "mimeType": "image/png", "buffer": _png()}]
        )
        submit(page)

        assert path_of(page, live_server) == "/accounts/profile/"
        assert page.locator(".flash-success").inner_text() == "Your profile is saved."
        ada.refresh_from_db()
        assert ada.headline == "Mathematician"
        assert ada.bio == "Wrote the first program."
        assert ada.links == ["https://ada.example.com", "https://example.org/ada"]
        assert ada.avatar.name.startswith(f"avatars/{ada.pk}/")
        header_avatar = page.locator(".account-menu img.avatar-small")
        assert header_avatar.get_attribute("src") == f"/media/{ada.avatar.name}"
        assert (
            page.evaluate(
                "() => document.querySelector('.profile-picture img.avatar').naturalWidth"
            )
            == 256
        )
        screenshot(page, "profile-saved")

    def test_bad_link_is_shown_next_to_the_field(self, page, live_server, ada, screenshot):
        sign_in(page, "ada@example.com", PASSWORD)
        page.goto("/accounts/profile/")
        page.get_by_label("Links").fill("not a link")

        submit(page)

        assert path_of(page, live_server) == "/accounts/profile/"
        message = "“not a link” is not a web address. Write it in full, like https://example.com."
        assert page.locator("#id_links_text_error").text_content() == f"Error: {message}"
        assert page.locator(".form-errors li").all_inner_texts() == [f"Links: {message}"]
        assert focused_element(page)["cls"] == "form-errors"
        page.locator(".form-errors a").click()
        assert focused_element(page)["id"] == "id_links_text"
        ada.refresh_from_db()
        assert ada.links == []
        screenshot(page, "profile-error")


class TestLayout:
    def test_skip_link_is_the_first_stop_and_jumps_to_the_content(self, page, live_server):
        page.goto("/")

        page.keyboard.press("Tab")

        assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
        assert page.locator(".skip-link").is_visible()
        page.keyboard.press("Enter")
        assert focused_element(page)["id"] == "main"

    def test_narrow_screen_keeps_search_and_fits_the_width(
        self, mobile_page, live_server, ada, screenshot
    ):
        page = mobile_page
        page.goto("/")
        screenshot(page, "home-mobile")

        search = page.get_by_role("searchbox", name="Search courses")
        assert search.is_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") == MOBILE["width"]

        sign_in(page, "ada@example.com", PASSWORD)
        page.goto("/accounts/profile/")
        assert page.evaluate("() => document.documentElement.scrollWidth") == MOBILE["width"]
        screenshot(page, "profile-mobile")

    def test_header_search_goes_to_the_course_search(self, page, live_server):
        page.goto("/")
        search = page.get_by_role("searchbox", name="Search courses")
        search.fill("python basics")

        with page.expect_navigation():
            search.press("Enter")

        assert path_of(page, live_server) == "/courses/?q=python+basics"
        assert page.locator("h1").inner_text() == "Courses matching “python basics”"


# Every page a person meets while signing in or managing the account.
ANONYMOUS_PAGES = [
    "/",
    "/courses/?q=x",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/no-such-page/",
]
SIGNED_IN_PAGES = [
    "/",
    "/accounts/profile/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
]


class TestContentSecurityPolicy:
    def test_pages_cause_no_csp_violations_or_script_errors(
        self, page, live_server, ada, browser_log: BrowserLog, screenshot
    ):
        teacher = UserFactory(is_instructor=True, links=["https://example.com"])
        for path in [*ANONYMOUS_PAGES, f"/people/{teacher.pk}/"]:
            page.goto(path)
        sign_in(page, "ada@example.com", PASSWORD)
        for path in SIGNED_IN_PAGES:
            page.goto(path)
        # Two-factor set-up: a QR code as a data: image and allauth's own scripts.
        page.goto("/accounts/reauthenticate/?next=/accounts/2fa/totp/activate/")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        submit(page)
        assert page.locator("h1").inner_text() == "Activate Authenticator App"
        assert page.evaluate("() => document.querySelector('img.qr-code').naturalWidth") > 0
        screenshot(page, "totp-activate")

        assert browser_log.csp_violations() == []
        assert browser_log.page_errors == []
        # The pages did load their scripts: htmx is there to use.
        assert page.evaluate("() => typeof window.htmx") == "object"

    def test_the_check_would_see_a_violation(self, page, live_server, browser_log: BrowserLog):
        page.goto("/")

        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.inlineRan = true";
                document.body.append(script);
            }"""
        )
        page.wait_for_timeout(200)

        assert page.evaluate("() => window.inlineRan === undefined")
        violations = browser_log.csp_violations()
        assert len(violations) == 1
        assert (
            "Executing inline script violates the following Content Security Policy"
            in (violations[0])
        )
        browser_log.console.clear()  # the fixture checks the log again when the test ends


class TestApiDocs:
    def test_interactive_docs_load_offline_within_the_csp(self, page, live_server, screenshot):
        page.goto("/api/v1/docs")

        operation = page.locator(".opblock-summary-path", has_text="/api/v1/auth/login")
        # Swagger UI renders the whole schema (about 430 KB) before the first operation shows:
        # over the default 10 s on a slow two-core machine also running other tests.
        operation.first.wait_for(timeout=30_000)
        assert page.locator(".opblock").count() >= 10
        screenshot(page, "api-docs")
        # The page fixture then checks that nothing broke the CSP or threw.


class TestSessionsAndData:
    def test_where_i_am_signed_in_and_my_data_on_desktop_and_phone(
        self, page, mobile_page, live_server, ada, screenshot
    ):
        for current, suffix in ((mobile_page, "-phone"), (page, "")):
            sign_in(current, "ada@example.com", PASSWORD)
            current.goto("/accounts/sessions/")
            rows = current.locator("#browsers-title + form tbody tr")
            assert rows.count() >= 1
            assert "This browser" in current.locator("#browsers-title + form").inner_text()
            assert overflow(current) <= 0
            screenshot(current, f"account-sessions{suffix}")
            current.goto("/accounts/data/")
            assert overflow(current) <= 0
            screenshot(current, f"account-data{suffix}")
        # The desktop browser sees the phone among its sessions and signs it out.
        page.goto("/accounts/sessions/")
        assert page.locator("#browsers-title + form tbody tr").count() == 2
        with page.expect_navigation():
            page.get_by_role("button", name="Sign out the other browsers").click()
        assert page.locator("#browsers-title + form tbody tr").count() == 1
        mobile_page.goto("/accounts/sessions/")
        assert "/accounts/login/" in mobile_page.url

    def test_deleting_my_account(self, page, live_server, ada):
        sign_in(page, "ada@example.com", PASSWORD)
        page.goto("/accounts/data/")
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_label("I understand").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Delete my account").click()
        assert path_of(page, live_server) == "/"
        assert "Your account is deleted." in page.locator("main").inner_text()
        assert (
            page.get_by_role("navigation", name="Main")
            .get_by_role("link", name="Sign in")
            .is_visible()
        )
