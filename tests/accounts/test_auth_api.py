import re
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings
from django.core import mail
from django.utils import timezone

from agora.accounts import tokens
from agora.accounts.models import RefreshToken, User
from agora.accounts.tokens import auth_hash
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD, ApiClient, login_tokens

NEW_PASSWORD = "Another-battery-77"


def register(api: ApiClient, **overrides):
    body = {"email": "new.person@example.com", "password": PASSWORD, "name": "New Person"}
    body.update(overrides)
    return api.post("/auth/register", body)


def error(response) -> dict:
    return response.json()["error"]


def me_status(access: str) -> int:
    return ApiClient(access).get("/me").status_code


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.django_db
class TestRegister:
    def test_register_returns_user_and_tokens(self, api: ApiClient):
        response = api.post(
            "/auth/register",
            {"email": "New.Person@Example.com", "password": PASSWORD, "name": "New Person"},
        )

        assert response.status_code == 201
        body = response.json()
        assert body["user"]["email"] == "new.person@example.com"
        assert body["user"]["roles"] == ["student"]
        assert set(body) == {"user", "access", "refresh"}
        assert User.objects.filter(email="new.person@example.com").count() == 1
        assert RefreshToken.objects.filter(user__email="new.person@example.com").count() == 1

    def test_register_answers_the_full_user_object(self, api: ApiClient):
        response = register(api, name="  New Person  ")

        user = User.objects.get(email="new.person@example.com")
        body = response.json()["user"]
        assert body == {
            "id": user.pk,
            "email": "new.person@example.com",
            "name": "New Person",
            "roles": ["student"],
            "headline": "",
            "bio": "",
            "links": [],
            "time_zone": "UTC",
            "show_on_leaderboards": True,
            "avatar_url": None,
            "email_verified": False,
            "date_joined": body["date_joined"],
        }
        assert body["date_joined"].endswith("Z") or body["date_joined"].endswith("+00:00")

    def test_registered_tokens_work(self, api: ApiClient):
        body = register(api).json()

        assert ApiClient(body["access"]).get("/me").json()["email"] == "new.person@example.com"
        assert api.post("/auth/refresh", {"refresh": body["refresh"]}).status_code == 200

    def test_register_stores_an_unverified_primary_email_address(self, api: ApiClient):
        register(api, email="  Mixed.Case@Example.COM ")

        user = User.objects.get()
        assert user.email == "mixed.case@example.com"
        assert list(EmailAddress.objects.values_list("email", "primary", "verified")) == [
            ("mixed.case@example.com", True, False)
        ]

    def test_register_sends_verification_and_welcome_emails(
        self, api: ApiClient, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = register(api)

        assert response.status_code == 201
        assert sorted(message.subject for message in mail.outbox) == [
            "[Agora] Confirm your email address",
            "[Agora] Welcome to Agora, New",
        ]
        assert all(message.to == ["new.person@example.com"] for message in mail.outbox)
        confirmation = next(m for m in mail.outbox if "Confirm" in m.subject)
        assert "/accounts/confirm-email/" in confirmation.body

    def test_taken_email_is_409(self, api: ApiClient, user):
        response = register(api, email=user.email)

        assert response.status_code == 409
        assert error(response)["code"] == "email_taken"
        assert User.objects.count() == 1

    def test_taken_email_in_another_case_is_409(self, api: ApiClient, user):
        response = register(api, email=user.email.upper())

        assert response.status_code == 409
        assert error(response)["code"] == "email_taken"
        assert User.objects.count() == 1
        assert RefreshToken.objects.count() == 0

    @pytest.mark.parametrize("password", ["short1A!", "password1234", "12345678901234"])
    def test_weak_password_is_422_on_the_password_field(self, api: ApiClient, password):
        response = register(api, password=password)

        assert response.status_code == 422
        body = error(response)
        assert body["code"] == "validation_error"
        assert set(body["fields"]) == {"password"}
        assert body["fields"]["password"]
        assert not User.objects.exists()

    def test_password_like_the_email_is_422(self, api: ApiClient):
        response = register(api, email="brightmorning@example.com", password="brightmorning")

        assert response.status_code == 422
        assert any("similar" in m for m in error(response)["fields"]["password"])

    @pytest.mark.parametrize("email", ["not-an-email", "a@b", "@example.com", ""])
    def test_bad_email_is_422_on_the_email_field(self, api: ApiClient, email):
        response = register(api, email=email)

        assert response.status_code == 422
        assert error(response)["fields"] == {"email": ["Enter a valid email address."]}
        assert not User.objects.exists()

    @pytest.mark.parametrize("name", ["", "   "])
    def test_blank_name_is_422(self, api: ApiClient, name):
        response = register(api, name=name)

        assert response.status_code == 422
        assert error(response)["fields"] == {"name": ["Tell us your name."]}
        assert not User.objects.exists()

    def test_missing_name_is_422(self, api: ApiClient):
        response = api.post("/auth/register", {"email": "x@example.com", "password": PASSWORD})

        assert response.status_code == 422
        assert set(error(response)["fields"]) == {"name"}
        assert not User.objects.exists()

    def test_fields_a_client_may_not_set_are_ignored(self, api: ApiClient):
        response = register(api, is_staff=True, is_instructor=True, roles=["admin"])

        assert response.status_code == 201
        assert response.json()["user"]["roles"] == ["student"]
        user = User.objects.get()
        assert (user.is_staff, user.is_superuser, user.is_instructor) == (False, False, False)

    def test_one_address_registering_too_often_is_429(self, api: ApiClient):
        for n in range(30):
            assert register(api, email=f"p{n}@example.com").status_code == 201

        response = register(api, email="one-more@example.com")

        assert response.status_code == 429
        assert error(response)["code"] == "rate_limited"
        assert not User.objects.filter(email="one-more@example.com").exists()

    def test_refused_registration_sends_no_email(
        self, api: ApiClient, user, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            register(api, email=user.email)

        assert callbacks == []
        assert mail.outbox == []

    def test_registration_with_required_verification_issues_no_tokens(
        self, api: ApiClient, settings
    ):
        settings.REQUIRE_EMAIL_VERIFICATION = True

        response = register(api)

        assert response.status_code == 201
        body = response.json()
        assert body["user"]["email"] == "new.person@example.com"
        assert body["access"] is None
        assert body["refresh"] is None
        assert RefreshToken.objects.count() == 0


@pytest.mark.django_db
class TestLogin:
    def test_login_returns_user_and_tokens(self, api: ApiClient, user):
        response = api.post("/auth/login", {"email": user.email, "password": PASSWORD})

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"user", "access", "refresh"}
        assert body["user"]["id"] == user.pk
        assert body["user"]["email"] == user.email
        assert ApiClient(body["access"]).get("/me").json()["id"] == user.pk
        user.refresh_from_db()
        assert user.last_login is not None

    def test_login_ignores_email_case_and_spaces(self, api: ApiClient, user):
        response = api.post(
            "/auth/login", {"email": f"  {user.email.upper()} ", "password": PASSWORD}
        )

        assert response.status_code == 200

    def test_wrong_password_and_unknown_email_answer_the_same(self, api: ApiClient, user):
        wrong_password = api.post("/auth/login", {"email": user.email, "password": "Nope-nope-1"})
        unknown_email = api.post(
            "/auth/login", {"email": "nobody@example.com", "password": PASSWORD}
        )

        assert wrong_password.status_code == unknown_email.status_code == 401
        assert wrong_password.json() == unknown_email.json()
        assert wrong_password.json() == {
            "error": {"code": "invalid_credentials", "message": "The email or password is wrong."}
        }
        assert RefreshToken.objects.count() == 0

    def test_suspended_user_with_right_password_is_403(self, api: ApiClient):
        suspended = UserFactory(is_active=False, suspended_at=timezone.now())

        response = api.post("/auth/login", {"email": suspended.email, "password": PASSWORD})

        assert response.status_code == 403
        assert error(response)["code"] == "account_suspended"
        assert RefreshToken.objects.count() == 0

    def test_suspended_user_with_wrong_password_learns_nothing(self, api: ApiClient):
        suspended = UserFactory(is_active=False, suspended_at=timezone.now())

        response = api.post("/auth/login", {"email": suspended.email, "password": "Wrong-pass-1"})

        assert response.status_code == 401
        assert error(response)["code"] == "invalid_credentials"

    def test_missing_password_is_422(self, api: ApiClient, user):
        response = api.post("/auth/login", {"email": user.email})

        assert response.status_code == 422
        assert set(error(response)["fields"]) == {"password"}


@pytest.mark.django_db
class TestTwoFactorLogin:
    @pytest.fixture
    def secret(self, user, settings) -> str:
        settings.MFA_TOTP_TOLERANCE = 1  # a code made at the end of a period still counts
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret

    def test_without_otp_is_401_otp_required(self, api: ApiClient, user, secret):
        response = api.post("/auth/login", {"email": user.email, "password": PASSWORD})

        assert response.status_code == 401
        assert error(response)["code"] == "otp_required"
        assert RefreshToken.objects.count() == 0

    def test_valid_code_signs_in(self, api: ApiClient, user, secret):
        response = api.post(
            "/auth/login",
            {"email": user.email, "password": PASSWORD, "otp": totp_code(secret)},
        )

        assert response.status_code == 200
        assert response.json()["user"]["id"] == user.pk
        assert Authenticator.objects.get(user=user).last_used_at is not None

    def test_wrong_code_is_401_invalid_credentials(self, api: ApiClient, user, secret):
        wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"

        response = api.post(
            "/auth/login", {"email": user.email, "password": PASSWORD, "otp": wrong}
        )

        assert response.status_code == 401
        assert error(response)["code"] == "invalid_credentials"
        assert RefreshToken.objects.count() == 0

    def test_a_code_works_only_once(self, api: ApiClient, user, secret):
        body = {"email": user.email, "password": PASSWORD, "otp": totp_code(secret)}
        assert api.post("/auth/login", body).status_code == 200

        replay = api.post("/auth/login", body)

        assert replay.status_code == 401
        assert error(replay)["code"] == "invalid_credentials"
        assert RefreshToken.objects.count() == 1

    def test_otp_is_not_asked_before_the_password_is_right(self, api: ApiClient, user, secret):
        response = api.post("/auth/login", {"email": user.email, "password": "Wrong-pass-1"})

        assert response.status_code == 401
        assert error(response)["code"] == "invalid_credentials"


@pytest.mark.django_db
class TestRefresh:
    def test_rotation_gives_a_new_working_pair(self, api: ApiClient, user):
        first = login_tokens(user.email)

        response = api.post("/auth/refresh", {"refresh": first["refresh"]})

        assert response.status_code == 200
        second = response.json()
        assert set(second) == {"access", "refresh"}
        assert second["refresh"] != first["refresh"]
        assert me_status(second["access"]) == 200
        assert api.post("/auth/refresh", {"refresh": second["refresh"]}).status_code == 200

    def test_rotation_stays_in_the_same_family(self, api: ApiClient, user):
        first = login_tokens(user.email)
        api.post("/auth/refresh", {"refresh": first["refresh"]})

        records = list(RefreshToken.objects.order_by("pk"))
        assert len(records) == 2
        assert records[0].family == records[1].family
        assert records[0].used_at is not None
        assert records[1].used_at is None

    def test_reusing_a_refresh_token_revokes_its_whole_family(self, api: ApiClient, user):
        first = login_tokens(user.email)
        second = api.post("/auth/refresh", {"refresh": first["refresh"]}).json()

        replay = api.post("/auth/refresh", {"refresh": first["refresh"]})

        assert replay.status_code == 401
        assert error(replay)["code"] == "invalid_token"
        assert api.post("/auth/refresh", {"refresh": second["refresh"]}).status_code == 401
        assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0

    def test_reuse_leaves_other_sign_ins_alone(self, api: ApiClient, user):
        phone = login_tokens(user.email)
        laptop = login_tokens(user.email)
        api.post("/auth/refresh", {"refresh": phone["refresh"]})

        api.post("/auth/refresh", {"refresh": phone["refresh"]})

        assert api.post("/auth/refresh", {"refresh": laptop["refresh"]}).status_code == 200

    def test_access_token_is_not_a_refresh_token(self, api: ApiClient, user):
        tokens = login_tokens(user.email)

        response = api.post("/auth/refresh", {"refresh": tokens["access"]})

        assert response.status_code == 401
        assert error(response)["code"] == "invalid_token"
        assert error(response)["message"] == "This is not a refresh token."
        assert RefreshToken.objects.get().used_at is None

    def test_refresh_token_is_not_an_access_token(self, user):
        tokens = login_tokens(user.email)

        response = ApiClient(tokens["refresh"]).get("/me")

        assert response.status_code == 401
        assert error(response)["message"] == "This is not an access token."

    def test_expired_refresh_token_is_401(self, api: ApiClient, user):
        tokens = login_tokens(user.email)
        RefreshToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

        response = api.post("/auth/refresh", {"refresh": tokens["refresh"]})

        assert response.status_code == 401
        assert RefreshToken.objects.get().used_at is None

    def test_refresh_of_a_suspended_user_is_401(self, api: ApiClient, user):
        tokens = login_tokens(user.email)
        User.objects.filter(pk=user.pk).update(is_active=False, suspended_at=timezone.now())

        response = api.post("/auth/refresh", {"refresh": tokens["refresh"]})

        assert response.status_code == 401
        assert RefreshToken.objects.count() == 1

    def test_unknown_jti_is_401(self, api: ApiClient, user):
        forged = make_token(user, typ="refresh", jti=str(uuid.uuid4()))

        response = api.post("/auth/refresh", {"refresh": forged})

        assert response.status_code == 401
        assert RefreshToken.objects.count() == 0


@pytest.mark.django_db
class TestLogout:
    def test_logout_revokes_the_refresh_token(self, api: ApiClient, user):
        tokens = login_tokens(user.email)

        response = api.post("/auth/logout", {"refresh": tokens["refresh"]})

        assert response.status_code == 204
        assert response.content == b""
        assert api.post("/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401

    def test_logout_twice_is_fine(self, api: ApiClient, user):
        tokens = login_tokens(user.email)
        api.post("/auth/logout", {"refresh": tokens["refresh"]})

        assert api.post("/auth/logout", {"refresh": tokens["refresh"]}).status_code == 204

    def test_logout_ends_only_that_sign_in(self, api: ApiClient, user):
        phone = login_tokens(user.email)
        laptop = login_tokens(user.email)

        api.post("/auth/logout", {"refresh": phone["refresh"]})

        assert api.post("/auth/refresh", {"refresh": laptop["refresh"]}).status_code == 200

    def test_logout_with_garbage_is_401(self, api: ApiClient):
        response = api.post("/auth/logout", {"refresh": "garbage"})

        assert response.status_code == 401
        assert error(response)["code"] == "invalid_token"


def make_token(user, *, key: str | None = None, algorithm: str = "HS256", **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": "agora",
        "typ": "access",
        "sub": str(user.pk),
        "iat": now,
        "exp": now + 600,
        "ah": auth_hash(user),
    }
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key or settings.JWT_SIGNING_KEY, algorithm=algorithm)


@pytest.mark.django_db
class TestAccessTokens:
    def test_our_own_token_shape_is_accepted(self, user):
        assert me_status(make_token(user)) == 200

    def test_alg_none_is_401(self, user):
        header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
        now = int(time.time())
        payload = jwt.utils.base64url_encode(
            (
                f'{{"iss":"agora","typ":"access","sub":"{user.pk}","iat":{now},'
                f'"exp":{now + 600},"ah":"{auth_hash(user)}"}}'
            ).encode()
        ).decode()

        response = ApiClient(f"{header}.{payload}.").get("/me")

        assert response.status_code == 401
        assert error(response)["code"] == "invalid_token"

    def test_wrong_signature_is_401(self, user):
        assert me_status(make_token(user, key="not-our-signing-key-but-long-enough-32b")) == 401

    def test_other_algorithm_with_our_key_is_401(self, user):
        assert me_status(make_token(user, algorithm="HS512")) == 401

    def test_expired_token_is_401(self, user):
        past = int(time.time()) - 3600

        response = ApiClient(make_token(user, iat=past - 600, exp=past)).get("/me")

        assert response.status_code == 401
        assert error(response)["code"] == "invalid_token"

    def test_token_without_expiry_is_401(self, user):
        assert me_status(make_token(user, exp=None)) == 401

    def test_token_from_another_issuer_is_401(self, user):
        assert me_status(make_token(user, iss="someone-else")) == 401

    def test_token_of_an_unknown_user_is_401(self, user):
        assert me_status(make_token(user, sub="999999")) == 401

    def test_token_with_a_non_numeric_subject_is_401(self, user):
        assert me_status(make_token(user, sub="not-a-number")) == 401

    def test_token_from_before_a_password_change_is_401(self, user):
        token = make_token(user)
        user.set_password(NEW_PASSWORD)
        user.save()

        assert me_status(token) == 401

    def test_a_token_verified_once_still_expires(self, user, monkeypatch):
        token = make_token(user, exp=int(time.time()) + 30)
        assert me_status(token) == 200
        later = time.time() + 31
        monkeypatch.setattr(tokens.time, "time", lambda: later)

        assert me_status(token) == 401

    def test_a_token_is_verified_once_then_remembered(self, user, monkeypatch):
        verified = []
        real = tokens._verify
        monkeypatch.setattr(tokens, "_verify", lambda *a: verified.append(a) or real(*a))
        token = make_token(user, jti=uuid.uuid4().hex)  # never one an earlier test sent

        assert [me_status(token) for _ in range(3)] == [200, 200, 200]
        assert len(verified) == 1

    def test_a_bad_token_is_never_remembered(self, user, monkeypatch):
        verified = []
        real = tokens._verify
        monkeypatch.setattr(tokens, "_verify", lambda *a: verified.append(a) or real(*a))
        forged = make_token(user, key="not-our-signing-key-but-long-enough-32b")

        assert me_status(forged) == 401
        once = len(verified)
        assert me_status(forged) == 401
        assert once > 0
        assert len(verified) == 2 * once  # checked afresh on every call

    def test_a_remembered_token_is_checked_again_under_a_new_signing_key(self, user, settings):
        token = make_token(user)
        assert me_status(token) == 200
        settings.JWT_SIGNING_KEY = "a-rotated-signing-key-long-enough-for-hs256"

        assert me_status(token) == 401

    def test_a_remembered_refresh_token_is_no_access_token(self, user):
        refresh = login_tokens(user.email)["refresh"]

        for _ in range(2):
            response = ApiClient(refresh).get("/me")
            assert response.status_code == 401
            assert error(response)["message"] == "This is not an access token."

    @pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "Bearer"])
    def test_garbage_is_401(self, db, token):
        response = ApiClient().get("/me", headers={"Authorization": f"Bearer {token}"})

        assert response.status_code == 401
        assert "code" in error(response)

    def test_missing_token_is_401_with_www_authenticate(self, api: ApiClient):
        response = api.get("/me")

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert error(response)["code"] == "not_authenticated"


def reset_token_from(message) -> str:
    match = re.search(r"use this reset token instead:\s*(\S+)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.django_db
class TestPasswordForgot:
    def test_unknown_email_is_202_and_sends_nothing(
        self, api: ApiClient, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/auth/password/forgot", {"email": "nobody@example.com"})

        assert response.status_code == 202
        assert response.content == b""
        assert mail.outbox == []

    def test_real_account_gets_exactly_one_email_with_the_token(
        self, api: ApiClient, user, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/auth/password/forgot", {"email": user.email.upper()})

        assert response.status_code == 202
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [user.email]
        assert message.subject == "[Agora] Reset your password"
        token = reset_token_from(message)
        uid, _, key = token.partition("-")
        assert int(uid, 36) == user.pk
        assert key
        assert f"/accounts/password/reset/key/{token}/" in message.body

    def test_suspended_account_gets_no_email(
        self, api: ApiClient, django_capture_on_commit_callbacks
    ):
        suspended = UserFactory(is_active=False, suspended_at=timezone.now())

        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/auth/password/forgot", {"email": suspended.email})

        assert response.status_code == 202
        assert mail.outbox == []

    def test_malformed_email_is_still_202(self, api: ApiClient):
        assert api.post("/auth/password/forgot", {"email": "not an email"}).status_code == 202


@pytest.mark.django_db
class TestPasswordReset:
    @pytest.fixture
    def reset_token(self, api: ApiClient, user, django_capture_on_commit_callbacks) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            api.post("/auth/password/forgot", {"email": user.email})
        token = reset_token_from(mail.outbox[0])
        mail.outbox.clear()
        return token

    def test_reset_sets_the_new_password(self, api: ApiClient, user, reset_token):
        response = api.post(
            "/auth/password/reset", {"token": reset_token, "password": NEW_PASSWORD}
        )

        assert response.status_code == 204
        old = api.post("/auth/login", {"email": user.email, "password": PASSWORD})
        assert old.status_code == 401
        new = api.post("/auth/login", {"email": user.email, "password": NEW_PASSWORD})
        assert new.status_code == 200

    def test_reset_ends_every_sign_in(
        self, api: ApiClient, user, django_capture_on_commit_callbacks
    ):
        tokens = login_tokens(user.email)
        other = login_tokens(user.email)
        # Signing in changes last_login, which spends earlier reset links: ask for one now.
        with django_capture_on_commit_callbacks(execute=True):
            api.post("/auth/password/forgot", {"email": user.email})
        reset_token = reset_token_from(mail.outbox[0])

        response = api.post(
            "/auth/password/reset", {"token": reset_token, "password": NEW_PASSWORD}
        )

        assert response.status_code == 204
        assert RefreshToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0
        assert me_status(tokens["access"]) == 401
        assert api.post("/auth/refresh", {"refresh": other["refresh"]}).status_code == 401

    def test_reset_sends_a_password_changed_email(
        self, api: ApiClient, user, reset_token, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            api.post("/auth/password/reset", {"token": reset_token, "password": NEW_PASSWORD})

        assert [(m.subject, m.to) for m in mail.outbox] == [
            ("[Agora] Your password was changed", [user.email])
        ]

    def test_reset_token_works_once(self, api: ApiClient, user, reset_token):
        api.post("/auth/password/reset", {"token": reset_token, "password": NEW_PASSWORD})

        second = api.post(
            "/auth/password/reset", {"token": reset_token, "password": "Third-password-99"}
        )

        assert second.status_code == 400
        assert error(second)["code"] == "invalid_reset_token"
        login = api.post("/auth/login", {"email": user.email, "password": NEW_PASSWORD})
        assert login.status_code == 200

    @pytest.mark.parametrize(
        "token", ["", "-", "-abc", "nodash", "ZZ-abc", "x" * 14 + "-abc", "é-1"]
    )
    def test_a_malformed_token_is_400_not_500(self, api: ApiClient, user, token):
        response = api.post("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})

        assert response.status_code == 400
        assert error(response)["code"] == "invalid_reset_token"

    def test_weak_password_is_422_and_keeps_the_old_one(self, api: ApiClient, user, reset_token):
        response = api.post("/auth/password/reset", {"token": reset_token, "password": "short"})

        assert response.status_code == 422
        assert set(error(response)["fields"]) == {"password"}
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
        # The token was not spent on the refused attempt.
        retry = api.post("/auth/password/reset", {"token": reset_token, "password": NEW_PASSWORD})
        assert retry.status_code == 204

    def test_reset_proves_the_mailbox(self, api: ApiClient, django_capture_on_commit_callbacks):
        unverified = UserFactory(verified_email=False)
        with django_capture_on_commit_callbacks(execute=True):
            api.post("/auth/password/forgot", {"email": unverified.email})
        token = reset_token_from(mail.outbox[0])

        api.post("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})

        assert EmailAddress.objects.get(user=unverified).verified is True

    @pytest.mark.parametrize(
        "token", ["", "garbage", "1-abc-def", "zzzzzzzzzzzzzzzzzzzzzz-abc", "-", "!!-??"]
    )
    def test_invalid_token_is_400(self, api: ApiClient, user, token):
        response = api.post("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})

        assert response.status_code == 400
        assert error(response)["code"] == "invalid_reset_token"
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_token_for_a_suspended_user_is_400(self, api: ApiClient, user, reset_token):
        User.objects.filter(pk=user.pk).update(is_active=False, suspended_at=timezone.now())

        response = api.post(
            "/auth/password/reset", {"token": reset_token, "password": NEW_PASSWORD}
        )

        assert response.status_code == 400
        user.refresh_from_db()
        assert user.check_password(PASSWORD)


@pytest.mark.django_db
class TestRequiredEmailVerification:
    def test_unverified_user_cannot_sign_in(self, api: ApiClient, settings):
        settings.REQUIRE_EMAIL_VERIFICATION = True
        unverified = UserFactory(verified_email=False)

        response = api.post("/auth/login", {"email": unverified.email, "password": PASSWORD})

        assert response.status_code == 403
        assert error(response)["code"] == "email_not_verified"
        assert RefreshToken.objects.count() == 0

    def test_verified_user_signs_in(self, api: ApiClient, settings, user):
        settings.REQUIRE_EMAIL_VERIFICATION = True

        response = api.post("/auth/login", {"email": user.email, "password": PASSWORD})

        assert response.status_code == 200

    def test_unverified_user_signs_in_when_not_required(self, api: ApiClient, settings):
        settings.REQUIRE_EMAIL_VERIFICATION = False
        unverified = UserFactory(verified_email=False)

        response = api.post("/auth/login", {"email": unverified.email, "password": PASSWORD})

        assert response.status_code == 200
