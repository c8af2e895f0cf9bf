import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from PIL import Image

from agora.accounts.models import RefreshToken, User
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD, ApiClient, login_tokens


def error(response) -> dict:
    return response.json()["error"]


def png_bytes(size: tuple[int, int] = (300, 200), color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def bitmap_png(width: int, height: int) -> bytes:
    """A valid black-and-white PNG, all zeros: tiny on disk, huge once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\0" * (1 + (width + 7) // 8)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def upload(api: ApiClient, content: bytes, name: str = "me.png"):
    file = io.BytesIO(content)
    file.name = name
    return api.client.post(
        "/api/v1/me/avatar",
        {"file": file},
        headers={"Authorization": f"Bearer {api.token}"},
    )


@pytest.mark.django_db
class TestGetMe:
    def test_answers_my_account(self, user, user_api: ApiClient):
        response = user_api.get("/me")

        assert response.status_code == 200
        body = response.json()
        assert body == {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "roles": ["student"],
            "headline": "",
            "bio": "",
            "links": [],
            "time_zone": "UTC",
            "show_on_leaderboards": True,
            "avatar_url": None,
            "email_verified": True,
            "date_joined": body["date_joined"],
        }

    def test_admin_roles(self, admin_api: ApiClient):
        assert admin_api.get("/me").json()["roles"] == ["student", "admin"]

    def test_unauthenticated_is_401_envelope(self, api: ApiClient):
        response = api.get("/me")

        assert response.status_code == 401
        assert response.json() == {
            "error": {
                "code": "not_authenticated",
                "message": "A valid access token is required (Authorization: Bearer).",
            }
        }

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("PATCH", "/me"),
            ("DELETE", "/me"),
            ("POST", "/me/instructor"),
            ("POST", "/me/avatar"),
            ("GET", "/me/export"),
        ],
    )
    def test_every_me_endpoint_needs_a_token(self, api: ApiClient, method, path):
        response = api.call(method, path)

        assert response.status_code == 401
        assert error(response)["code"] == "not_authenticated"

    def test_authenticated_answers_are_not_cached(self, user_api: ApiClient):
        response = user_api.get("/me")

        assert response["Cache-Control"] == "no-store"

    def test_refused_authenticated_answers_are_not_cached_either(self, db):
        response = ApiClient("garbage").get("/me")

        assert response.status_code == 401
        assert response["Cache-Control"] == "no-store"

    def test_token_answers_are_not_cached(self, api: ApiClient, user):
        login = api.post("/auth/login", {"email": user.email, "password": PASSWORD})
        refresh = api.post("/auth/refresh", {"refresh": login.json()["refresh"]})
        register = api.post(
            "/auth/register",
            {"email": "someone@example.com", "password": PASSWORD, "name": "Someone"},
        )

        assert login["Cache-Control"] == "no-store"
        assert refresh["Cache-Control"] == "no-store"
        assert register["Cache-Control"] == "no-store"


@pytest.mark.django_db
class TestUpdateMe:
    def test_updates_profile_fields(self, user, user_api: ApiClient):
        response = user_api.patch(
            "/me",
            {
                "name": "  Grace Hopper ",
                "headline": "Rear admiral",
                "bio": "Wrote the first compiler.",
                "links": ["https://example.com/grace", "http://example.org"],
            },
        )

        assert response.status_code == 200
        body = response.json()
        assert body["name"] == "Grace Hopper"
        assert body["headline"] == "Rear admiral"
        assert body["bio"] == "Wrote the first compiler."
        assert body["links"] == ["https://example.com/grace", "http://example.org/"]
        user.refresh_from_db()
        assert user.name == "Grace Hopper"
        assert user.links == ["https://example.com/grace", "http://example.org/"]

    def test_leaves_fields_not_sent_alone(self, user, user_api: ApiClient):
        User.objects.filter(pk=user.pk).update(headline="Old headline", bio="Old bio")

        response = user_api.patch("/me", {"bio": "New bio"})

        assert response.json()["headline"] == "Old headline"
        assert response.json()["bio"] == "New bio"

    def test_empty_body_changes_nothing(self, user, user_api: ApiClient):
        response = user_api.patch("/me", {})

        assert response.status_code == 200
        assert response.json()["name"] == user.name

    def test_empty_links_clear_them(self, user, user_api: ApiClient):
        User.objects.filter(pk=user.pk).update(links=["https://example.com/"])

        assert user_api.patch("/me", {"links": []}).json()["links"] == []

    @pytest.mark.parametrize(
        "link", ["not a url", "javascript:alert(1)", "ftp://example.com/file", "example.com"]
    )
    def test_bad_link_is_422(self, user, user_api: ApiClient, link):
        response = user_api.patch("/me", {"name": "Changed", "links": [link]})

        assert response.status_code == 422
        assert set(error(response)["fields"]) == {"links.0"}
        user.refresh_from_db()
        assert user.name != "Changed"
        assert user.links == []

    def test_more_than_ten_links_is_422(self, user_api: ApiClient):
        links = [f"https://example.com/{n}" for n in range(11)]

        response = user_api.patch("/me", {"links": links})

        assert response.status_code == 422
        assert set(error(response)["fields"]) == {"links"}

    @pytest.mark.parametrize("field", ["name", "headline", "bio"])
    def test_null_text_is_422(self, user_api: ApiClient, field):
        response = user_api.patch("/me", {field: None})

        assert response.status_code == 422
        assert error(response)["fields"] == {field: ["Send a string (possibly empty), not null."]}

    def test_null_links_is_422(self, user, user_api: ApiClient):
        User.objects.filter(pk=user.pk).update(links=["https://example.com/"])

        response = user_api.patch("/me", {"links": None})

        assert response.status_code == 422
        assert error(response)["fields"] == {"links": ["Send a list (possibly empty), not null."]}
        user.refresh_from_db()
        assert user.links == ["https://example.com/"]

    def test_blank_name_is_422(self, user, user_api: ApiClient):
        response = user_api.patch("/me", {"name": "   "})

        assert response.status_code == 422
        assert error(response)["fields"] == {"name": ["Tell us your name."]}
        user.refresh_from_db()
        assert user.name.strip()

    def test_too_long_headline_is_422(self, user_api: ApiClient):
        response = user_api.patch("/me", {"headline": "x" * 121})

        assert response.status_code == 422
        assert set(error(response)["fields"]) == {"headline"}

    def test_fields_that_are_not_the_profile_are_ignored(self, user, user_api: ApiClient):
        response = user_api.patch(
            "/me",
            {"bio": "Hi", "email": "mine@example.com", "is_staff": True, "roles": ["admin"]},
        )

        assert response.status_code == 200
        assert response.json()["email"] == user.email
        assert response.json()["roles"] == ["student"]
        user.refresh_from_db()
        assert user.email != "mine@example.com"
        assert user.is_staff is False


@pytest.mark.django_db
class TestBecomeInstructor:
    def test_adds_the_instructor_role(self, user, user_api: ApiClient):
        response = user_api.post("/me/instructor")

        assert response.status_code == 200
        assert response.json()["roles"] == ["student", "instructor"]
        user.refresh_from_db()
        assert user.is_instructor is True

    def test_is_idempotent(self, user, user_api: ApiClient):
        user_api.post("/me/instructor")

        response = user_api.post("/me/instructor")

        assert response.status_code == 200
        assert response.json()["roles"] == ["student", "instructor"]


@pytest.mark.django_db
class TestAvatar:
    def test_png_is_stored_as_a_square_png(self, user, user_api: ApiClient):
        response = upload(user_api, png_bytes((300, 200)))

        assert response.status_code == 200, response.content
        url = response.json()["avatar_url"]
        assert re.fullmatch(rf"/media/avatars/{user.pk}/[0-9a-f]{{32}}\.png", url)
        stored = Path(django_settings.MEDIA_ROOT) / url.removeprefix("/media/")
        with Image.open(stored) as image:
            assert image.format == "PNG"
            assert image.size == (256, 256)

    def test_jpeg_is_accepted(self, user_api: ApiClient):
        buffer = io.BytesIO()
        Image.new("RGB", (64, 64), "blue").save(buffer, format="JPEG")

        response = upload(user_api, buffer.getvalue(), name="me.jpg")

        assert response.status_code == 200
        assert response.json()["avatar_url"].endswith(".png")

    def test_a_new_avatar_replaces_the_old_file(self, user, user_api: ApiClient):
        first = upload(user_api, png_bytes()).json()["avatar_url"]

        second = upload(user_api, png_bytes(color="green")).json()["avatar_url"]

        assert first != second
        media = Path(django_settings.MEDIA_ROOT)
        assert not (media / first.removeprefix("/media/")).exists()
        assert (media / second.removeprefix("/media/")).exists()

    def test_text_renamed_png_is_422(self, user, user_api: ApiClient):
        response = upload(user_api, b"just some text, honestly\n" * 10, name="me.png")

        assert response.status_code == 422
        assert error(response)["fields"] == {"file": ["This file is not an image we can read."]}
        user.refresh_from_db()
        assert not user.avatar

    def test_other_image_formats_are_422(self, user, user_api: ApiClient):
        buffer = io.BytesIO()
        Image.new("RGB", (16, 16)).save(buffer, format="BMP")

        response = upload(user_api, buffer.getvalue(), name="me.png")

        assert response.status_code == 422
        assert error(response)["fields"] == {"file": ["Upload a PNG, JPEG, GIF or WebP image."]}
        user.refresh_from_db()
        assert not user.avatar

    def test_too_big_is_422(self, user, user_api: ApiClient, settings):
        content = png_bytes()
        settings.AVATAR_MAX_BYTES = len(content) - 1

        response = upload(user_api, content)

        assert response.status_code == 422
        assert set(error(response)["fields"]) == {"file"}
        user.refresh_from_db()
        assert not user.avatar

    def test_the_default_size_limit_is_two_megabytes(self, user, user_api: ApiClient):
        content = png_bytes() + b"\0" * (2 * 1024 * 1024)

        response = upload(user_api, content)

        assert response.status_code == 422
        assert error(response)["fields"] == {"file": ["The image is larger than 2048 KB."]}

    def test_small_file_with_huge_dimensions_is_422(self, user, user_api: ApiClient):
        content = bitmap_png(9000, 9000)
        assert len(content) < 20_000

        response = upload(user_api, content)

        assert response.status_code == 422
        assert error(response)["fields"] == {
            "file": ["The image has too many pixels (at most 40 megapixels)."]
        }
        user.refresh_from_db()
        assert not user.avatar

    def test_bitmap_png_of_normal_size_is_accepted(self, user_api: ApiClient):
        assert upload(user_api, bitmap_png(500, 500)).status_code == 200

    def test_missing_file_is_422(self, user_api: ApiClient):
        response = user_api.client.post(
            "/api/v1/me/avatar", {}, headers={"Authorization": f"Bearer {user_api.token}"}
        )

        assert response.status_code == 422
        assert set(error(response)["fields"]) == {"file"}


@pytest.mark.django_db
class TestExport:
    def test_contains_profile_and_email_addresses(self, user, user_api: ApiClient):
        EmailAddress.objects.create(user=user, email="second@example.com", verified=False)

        response = user_api.get("/me/export")

        assert response.status_code == 200
        body = response.json()
        assert body["profile"]["id"] == user.pk
        assert body["profile"]["email"] == user.email
        assert body["profile"]["name"] == user.name
        assert body["profile"]["roles"] == ["student"]
        assert body["email_addresses"] == [
            {"email": user.email, "verified": True, "primary": True},
            {"email": "second@example.com", "verified": False, "primary": False},
        ]
        assert len(body["sign_ins"]) == 1
        assert body["two_factor"] == []

    def test_contains_only_my_data(self, user, user_api: ApiClient):
        other = UserFactory()
        login_tokens(other.email)

        body = user_api.get("/me/export").json()

        assert other.email not in str(body)
        assert len(body["sign_ins"]) == 1

    def test_contains_learning_orders_xp_and_messages(self, user, user_api: ApiClient):
        from agora.catalog.models import Lesson
        from agora.learning.services import complete_lesson
        from agora.messaging.services import send_message, start_direct
        from tests.catalog.factories import LessonFactory, ModuleFactory
        from tests.commerce.factories import paid_order, published_course

        course = published_course(title="Knots for sailors")
        LessonFactory(module=ModuleFactory(course=course), title="The bowline")
        paid_order(buyer=user, course=course)
        complete_lesson(user=user, lesson=Lesson.objects.get(title="The bowline"))
        conversation, _ = start_direct(user, course.owner)  # the instructor of my course
        send_message(user, conversation, "Fair winds")

        body = user_api.get("/me/export").json()

        assert body["learning"]["enrollments"][0]["course"] == "Knots for sailors"
        assert body["learning"]["enrollments"][0]["progress_percent"] > 0
        assert body["learning"]["lessons"][0]["lesson"] == "The bowline"
        assert body["orders"][0]["status"] == "paid"
        assert body["orders"][0]["items"] == [{"course": "Knots for sailors", "price": 1999}]
        assert {row["rule"] for row in body["gamification"]["xp"]} >= {"lesson_completed"}
        assert body["gamification"]["badges"][0]["code"] == "first_lesson"
        assert [row["body"] for row in body["messages"]] == ["Fair winds"]


@pytest.mark.django_db
class TestEraseMe:
    def test_erases_personal_data(self, user, api: ApiClient):
        tokens = login_tokens(user.email)
        old_email = user.email

        response = ApiClient(tokens["access"]).delete("/me")

        assert response.status_code == 204
        user.refresh_from_db()
        assert user.name == "Deleted user"
        assert user.email != old_email
        assert user.email.endswith("@erased.invalid")
        assert user.is_active is False
        assert user.erased_at is not None
        assert not user.has_usable_password()
        assert not EmailAddress.objects.filter(user=user).exists()
        assert RefreshToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0

    def test_old_tokens_stop_working(self, user, api: ApiClient):
        tokens = login_tokens(user.email)
        ApiClient(tokens["access"]).delete("/me")

        assert ApiClient(tokens["access"]).get("/me").status_code == 401
        assert api.post("/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401

    def test_old_credentials_stop_working(self, user, api: ApiClient):
        ApiClient(login_tokens(user.email)["access"]).delete("/me")

        response = api.post("/auth/login", {"email": user.email, "password": PASSWORD})

        assert response.status_code == 401
        assert error(response)["code"] == "invalid_credentials"

    def test_the_email_can_sign_up_again(self, user, api: ApiClient):
        old_email = user.email
        ApiClient(login_tokens(user.email)["access"]).delete("/me")

        response = api.post(
            "/auth/register", {"email": old_email, "password": PASSWORD, "name": "Born Again"}
        )

        assert response.status_code == 201
        assert response.json()["user"]["id"] != user.pk

    def test_erases_the_avatar_file_once_committed(
        self, user, user_api: ApiClient, django_capture_on_commit_callbacks
    ):
        url = upload(user_api, png_bytes()).json()["avatar_url"]

        with django_capture_on_commit_callbacks(execute=True):
            user_api.delete("/me")

        assert not (Path(django_settings.MEDIA_ROOT) / url.removeprefix("/media/")).exists()
        user.refresh_from_db()
        assert not user.avatar

    def test_erased_account_is_hidden_from_admins_list(self, user, admin_api: ApiClient):
        ApiClient(login_tokens(user.email)["access"]).delete("/me")

        ids = [item["id"] for item in admin_api.get("/admin/users").json()["items"]]

        assert user.pk not in ids


@pytest.mark.django_db
def test_erasure_drops_admin_rights(user, django_capture_on_commit_callbacks):
    from agora.accounts.services import personal_data

    user.is_staff = True
    user.is_superuser = True
    user.save()

    personal_data.erase_user(user=user)

    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, False)
    assert user.roles == ["student"]
