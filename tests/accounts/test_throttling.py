"""Login throttling and the general API rate limits, seen from the client's side."""

import ipaddress
import time

import django_ratelimit.core
import pytest
from django.core import mail
from django.test import Client

from agora.accounts.models import RefreshToken
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD, ApiClient, login_tokens

WRONG = "Wrong-password-0"


class FrozenClock:
    """Stands in for the `time` module inside django_ratelimit, so windows can pass."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> FrozenClock:
    frozen = FrozenClock()
    monkeypatch.setattr(django_ratelimit.core, "time", frozen)
    return frozen


def login(address: str, email: str, password: str = PASSWORD, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else None
    return ApiClient(REMOTE_ADDR=address).post(
        "/auth/login", {"email": email, "password": password}, headers=headers
    )


def fail_logins(address: str, email: str, times: int, forwarded_for: str | None = None) -> None:
    for _ in range(times):
        response = login(address, email, WRONG, forwarded_for)
        assert response.status_code == 401, response.content


def assert_rate_limited(response) -> int:
    assert response.status_code == 429, response.content
    assert response.json()["error"]["code"] == "rate_limited"
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after
    return retry_after


@pytest.mark.django_db
class TestLoginThrottle:
    def test_failures_for_one_account_from_one_address_are_stopped(self, user, clock):
        fail_logins("10.1.1.1", user.email, 5)

        response = login("10.1.1.1", user.email, PASSWORD)

        retry_after = assert_rate_limited(response)
        assert retry_after <= 15 * 60 + 1
        assert response.json()["error"]["message"] == (
            "Too many failed sign-in attempts. Wait a little, then try again."
        )
        assert RefreshToken.objects.count() == 0

    def test_the_limit_is_the_configured_number_of_failures(self, user, clock, settings):
        settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = "3/15m"
        fail_logins("10.1.1.1", user.email, 3)

        assert_rate_limited(login("10.1.1.1", user.email, WRONG))

    def test_fewer_failures_than_the_limit_do_not_stop_the_owner(self, user, clock):
        fail_logins("10.1.1.1", user.email, 4)

        assert login("10.1.1.1", user.email).status_code == 200

    def test_same_account_from_another_address_still_signs_in(self, user, clock):
        fail_logins("10.1.1.1", user.email, 5)
        assert_rate_limited(login("10.1.1.1", user.email))

        response = login("10.2.2.2", user.email)

        assert response.status_code == 200
        assert RefreshToken.objects.get().ip_address == "10.2.2.2"

    def test_failures_spread_over_many_addresses_stop_the_account(self, user, clock):
        for n in range(5):
            fail_logins(f"10.0.{n}.1", user.email, 4)  # 20 failures, none at its own limit

        response = login("10.9.9.9", user.email)

        assert_rate_limited(response)
        assert RefreshToken.objects.count() == 0
        other = UserFactory()
        assert login("10.9.9.9", other.email).status_code == 200

    def test_one_address_spraying_many_accounts_is_stopped(self, db, clock):
        for n in range(30):
            assert login("10.3.3.3", f"victim{n}@example.com", WRONG).status_code == 401
        target = UserFactory()

        assert_rate_limited(login("10.3.3.3", target.email))

        assert login("10.4.4.4", target.email).status_code == 200

    def test_unknown_accounts_are_throttled_like_real_ones(self, db, clock):
        fail_logins("10.1.1.1", "nobody@example.com", 5)

        assert_rate_limited(login("10.1.1.1", "nobody@example.com", WRONG))

    def test_the_limit_lifts_when_its_window_ends(self, user, clock):
        fail_logins("10.1.1.1", user.email, 5)
        retry_after = assert_rate_limited(login("10.1.1.1", user.email))

        clock.advance(retry_after - 1)
        assert_rate_limited(login("10.1.1.1", user.email))

        clock.advance(1)
        assert login("10.1.1.1", user.email).status_code == 200

    def test_a_success_does_not_count_as_a_failure(self, user, clock):
        for _ in range(10):
            assert login("10.1.1.1", user.email).status_code == 200

        fail_logins("10.1.1.1", user.email, 4)
        assert login("10.1.1.1", user.email).status_code == 200


@pytest.mark.django_db
class TestIpv6:
    def test_one_ipv6_slash_64_counts_as_one_address(self, user, clock):
        for n in range(5):
            login(f"2001:db8:0:7::{n + 1:x}", user.email, WRONG)

        assert_rate_limited(login("2001:db8:0:7:ffff:1:2:3", user.email))

    def test_another_ipv6_slash_64_is_another_address(self, user, clock):
        fail_logins("2001:db8:0:7::1", user.email, 5)

        assert login("2001:db8:0:8::1", user.email).status_code == 200
        assert RefreshToken.objects.get().ip_address == "2001:db8:0:8::1"

    def test_api_limit_counts_an_ipv6_slash_64(self, db, clock, settings):
        settings.API_RATE_LIMIT_PER_ADDRESS = "3/m"
        for n in range(3):
            assert ApiClient(REMOTE_ADDR=f"2001:db8::{n + 1}").get("/me").status_code == 401

        assert_rate_limited(ApiClient(REMOTE_ADDR="2001:db8::abcd").get("/me"))


@pytest.mark.django_db
class TestPasswordResetEmails:
    def test_one_mailbox_gets_at_most_five_links_an_hour(
        self, user, clock, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            for n in range(7):
                response = ApiClient(REMOTE_ADDR=f"10.8.0.{n}").post(
                    "/auth/password/forgot", {"email": user.email}
                )
                assert response.status_code == 202

        assert len(mail.outbox) == 5

    def test_other_mailboxes_are_not_affected(
        self, user, clock, django_capture_on_commit_callbacks
    ):
        other = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(6):
                ApiClient().post("/auth/password/forgot", {"email": user.email})
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            ApiClient().post("/auth/password/forgot", {"email": other.email})

        assert [message.to for message in mail.outbox] == [[other.email]]

    def test_the_mailbox_limit_lifts(self, user, clock, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(6):
                ApiClient().post("/auth/password/forgot", {"email": user.email})
        mail.outbox.clear()
        clock.advance(60 * 60 + 1)

        with django_capture_on_commit_callbacks(execute=True):
            ApiClient().post("/auth/password/forgot", {"email": user.email})

        assert len(mail.outbox) == 1

    def test_one_address_asking_too_often_is_429(self, db, clock):
        client = ApiClient(REMOTE_ADDR="10.9.0.1")
        for n in range(20):
            response = client.post("/auth/password/forgot", {"email": f"p{n}@example.com"})
            assert response.status_code == 202

        assert_rate_limited(client.post("/auth/password/forgot", {"email": "x@example.com"}))


@pytest.mark.django_db
class TestForwardedFor:
    def test_forwarded_for_is_ignored_from_an_untrusted_peer(self, user, clock, settings):
        settings.TRUSTED_PROXIES = []
        for n in range(5):
            login("10.1.1.1", user.email, WRONG, forwarded_for=f"192.0.2.{n}")

        assert_rate_limited(login("10.1.1.1", user.email, forwarded_for="192.0.2.99"))

    def test_untrusted_peer_is_recorded_as_the_client(self, user, settings):
        settings.TRUSTED_PROXIES = [ipaddress.ip_network("172.16.0.0/12")]

        login("10.1.1.1", user.email, forwarded_for="192.0.2.1")

        assert RefreshToken.objects.get().ip_address == "10.1.1.1"

    def test_trusted_proxy_is_believed(self, user, settings):
        settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]

        login("10.0.0.1", user.email, forwarded_for="192.0.2.7")

        assert RefreshToken.objects.get().ip_address == "192.0.2.7"

    def test_the_right_most_untrusted_hop_is_the_client(self, user, settings):
        settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]

        # The client forged the first hop; our proxies appended the last two.
        login("10.0.0.1", user.email, forwarded_for="203.0.113.66, 192.0.2.7, 10.0.0.9")

        assert RefreshToken.objects.get().ip_address == "192.0.2.7"

    def test_clients_behind_a_trusted_proxy_are_throttled_apart(self, user, clock, settings):
        settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
        fail_logins("10.0.0.1", user.email, 5, forwarded_for="192.0.2.7")
        assert_rate_limited(login("10.0.0.1", user.email, forwarded_for="192.0.2.7"))

        response = login("10.0.0.1", user.email, forwarded_for="192.0.2.8")

        assert response.status_code == 200

    def test_forged_hops_cannot_dodge_the_throttle_behind_a_proxy(self, user, clock, settings):
        settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
        for n in range(5):
            login("10.0.0.1", user.email, WRONG, forwarded_for=f"198.51.100.{n}, 192.0.2.7")

        assert_rate_limited(login("10.0.0.1", user.email, forwarded_for="198.51.100.9, 192.0.2.7"))

    def test_garbage_forwarded_for_falls_back_to_the_proxy(self, user, settings):
        settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]

        login("10.0.0.1", user.email, forwarded_for="not-an-address")

        assert RefreshToken.objects.get().ip_address == "10.0.0.1"


@pytest.mark.django_db
class TestApiRateLimits:
    def test_one_address_is_limited_across_the_api(self, db, clock, settings):
        settings.API_RATE_LIMIT_PER_ADDRESS = "3/m"
        client = ApiClient(REMOTE_ADDR="10.5.5.5")
        for _ in range(3):
            assert client.get("/me").status_code == 401

        response = client.get("/me")

        assert_rate_limited(response)
        assert response["X-Request-ID"]
        assert ApiClient(REMOTE_ADDR="10.6.6.6").get("/me").status_code == 401
        assert client.get("/healthz").status_code == 200

    def test_per_address_limit_lifts(self, db, clock, settings):
        settings.API_RATE_LIMIT_PER_ADDRESS = "2/m"
        client = ApiClient(REMOTE_ADDR="10.5.5.5")
        client.get("/me")
        client.get("/me")
        retry_after = assert_rate_limited(client.get("/me"))

        clock.advance(retry_after)

        assert client.get("/me").status_code == 401

    def test_one_user_is_limited_from_any_address(self, user, clock, settings):
        access = login_tokens(user.email)["access"]
        settings.API_RATE_LIMIT_PER_USER = "3/m"
        for n in range(3):
            assert ApiClient(access, REMOTE_ADDR=f"10.7.0.{n}").get("/me").status_code == 200

        response = ApiClient(access, REMOTE_ADDR="10.7.0.99").get("/me")

        assert_rate_limited(response)
        other = UserFactory()
        other_access = login_tokens(other.email)["access"]
        assert ApiClient(other_access, REMOTE_ADDR="10.7.0.99").get("/me").status_code == 200


UNREACHABLE_CACHE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: really unreachable


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response.json()["error"] == {
        "code": "service_unavailable",
        "message": (
            "Signing in and resetting passwords are paused for a moment: the service that "
            "protects accounts from password guessing cannot be reached. Try again in a few "
            "seconds."
        ),
    }
    assert int(response["Retry-After"]) >= 1


@pytest.mark.django_db
class TestCacheOutage:
    """Without its counters the login throttle cannot stop guessing: sign-in and password
    resets refuse (503) until the cache is back; everything else carries on."""

    @pytest.fixture(
        params=[
            "agora.core.cache.ResilientRedisCache",
            "django.core.cache.backends.redis.RedisCache",
        ]
    )
    def cache_down(self, request, settings) -> None:
        settings.CACHES = {"default": {"BACKEND": request.param, "LOCATION": UNREACHABLE_CACHE}}

    def test_sign_in_is_refused_while_the_throttle_cannot_count(self, user, cache_down):
        response = login("10.1.1.1", user.email)

        assert_unavailable(response)
        assert RefreshToken.objects.count() == 0

    def test_guessing_gets_no_answer_at_all(self, user, cache_down):
        for _ in range(20):
            assert_unavailable(login("10.1.1.1", user.email, WRONG))

    def test_password_reset_emails_are_refused(
        self, user, cache_down, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = ApiClient().post("/auth/password/forgot", {"email": user.email})

        assert_unavailable(response)
        assert mail.outbox == []

    def test_password_resets_are_refused(self, user, cache_down):
        response = ApiClient().post(
            "/auth/password/reset", {"token": "1-abc", "password": "Brand-new-pass-77"}
        )

        assert_unavailable(response)

    def test_sign_up_still_works(self, db, cache_down):
        response = ApiClient().post(
            "/auth/register",
            {"email": "new@example.com", "password": "Brand-new-pass-77", "name": "New"},
        )

        assert response.status_code == 201, response.content

    def test_authenticated_calls_still_work_without_the_cache(self, user, settings):
        access = login_tokens(user.email)["access"]
        settings.CACHES = {
            "default": {
                "BACKEND": "agora.core.cache.ResilientRedisCache",
                "LOCATION": UNREACHABLE_CACHE,
            }
        }

        assert ApiClient(access).get("/me").status_code == 200


@pytest.mark.django_db
class TestWebCacheOutage:
    """allauth's forms keep their limits in the same cache: they refuse too, with a page."""

    @pytest.fixture
    def cache_down(self, settings) -> None:
        settings.CACHES = {
            "default": {
                "BACKEND": "agora.core.cache.ResilientRedisCache",
                "LOCATION": UNREACHABLE_CACHE,
            }
        }

    def assert_unavailable_page(self, response) -> None:
        assert response.status_code == 503
        assert int(response["Retry-After"]) >= 1
        assert response["Content-Type"].startswith("text/html")
        assert "password guessing cannot be reached" in response.content.decode()

    def test_web_sign_in_is_refused(self, user, cache_down):
        client = Client()

        response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

        self.assert_unavailable_page(response)
        assert "_auth_user_id" not in client.session

    def test_web_password_reset_is_refused(
        self, user, cache_down, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post("/accounts/password/reset/", {"email": user.email})

        self.assert_unavailable_page(response)
        assert mail.outbox == []

    def test_the_sign_in_page_itself_still_shows(self, db, cache_down):
        assert Client().get("/accounts/login/").status_code == 200

    def test_signing_out_still_works(self, user, cache_down):
        client = Client()
        client.force_login(user)

        response = client.post("/accounts/logout/")

        assert response.status_code == 302
        assert "_auth_user_id" not in client.session
