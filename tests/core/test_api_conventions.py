"""The conventions every endpoint shares: the error envelope, request ids, probes, schema."""

import re

import pytest

from agora.accounts.services import profile
from tests.conftest import ApiClient

REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


def error(response) -> dict:
    return response.json()["error"]


@pytest.mark.django_db
class TestErrorEnvelope:
    @pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/me/", "/api/v2/me", "/api/"])
    def test_unknown_api_path_is_404_envelope(self, api: ApiClient, path):
        response = api.get(path)

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "error": {"code": "not_found", "message": f"There is no API endpoint at {path}."}
        }

    def test_unknown_page_outside_the_api_is_html(self, api: ApiClient):
        response = api.client.get("/no-such-page/")

        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")

    def test_wrong_method_is_405_envelope(self, api: ApiClient):
        response = api.delete("/auth/login")

        assert response.status_code == 405
        assert response["Allow"] == "POST"
        assert response.json() == {
            "error": {
                "code": "method_not_allowed",
                "message": "This endpoint does not take this method; use POST.",
            }
        }

    def test_malformed_json_is_400(self, api: ApiClient):
        response = api.post("/auth/login", raw='{"email": "a@example.com",')

        assert response.status_code == 400
        assert response.json() == {
            "error": {"code": "malformed_json", "message": "The request body is not valid JSON."}
        }

    def test_json_of_the_wrong_shape_is_422(self, api: ApiClient):
        response = api.post("/auth/login", raw="[1, 2]")

        assert response.status_code == 422
        assert error(response)["code"] == "validation_error"
        assert error(response)["fields"] == {"body": ["Send a JSON object."]}

    def test_field_errors_name_the_client_field(self, api: ApiClient):
        response = api.post("/auth/login", {"email": "a@example.com", "password": 42})

        assert response.status_code == 422
        assert error(response) == {
            "code": "validation_error",
            "message": "Some fields are not valid.",
            "fields": {"password": ["Input should be a valid string"]},
        }

    def test_too_large_body_is_413(self, api: ApiClient, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

        response = api.post("/auth/login", {"email": "a@example.com", "password": "x" * 2000})

        assert response.status_code == 413
        assert response.json() == {
            "error": {"code": "payload_too_large", "message": "The request body is too large."}
        }

    def test_unexpected_exception_is_500_without_details(self, user_api: ApiClient, monkeypatch):
        def explode(**kwargs):
            raise RuntimeError("secret connection string postgres://admin:hunter2@db")

        monkeypatch.setattr(profile, "become_instructor", explode)

        response = user_api.post("/me/instructor", headers={"X-Request-ID": "trace-12345678"})

        assert response.status_code == 500
        assert response["X-Request-ID"] == "trace-12345678"
        assert response.json() == {
            "error": {
                "code": "server_error",
                "message": (
                    "Something went wrong on our side. "
                    "Quote request id trace-12345678 if you report it."
                ),
            }
        }
        assert b"hunter2" not in response.content
        assert b"Traceback" not in response.content

    def test_unexpected_exception_is_logged_with_its_traceback(
        self, user_api: ApiClient, monkeypatch, caplog
    ):
        def explode(**kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(profile, "become_instructor", explode)

        user_api.post("/me/instructor")

        record = next(r for r in caplog.records if r.name == "agora.api")
        assert record.exc_info is not None
        assert str(record.exc_info[1]) == "boom"


@pytest.mark.django_db
class TestRequestId:
    def test_a_good_request_id_is_echoed(self, api: ApiClient):
        response = api.get("/me", headers={"X-Request-ID": "client-abc.123_XYZ"})

        assert response["X-Request-ID"] == "client-abc.123_XYZ"

    def test_missing_request_id_is_made_up(self, api: ApiClient):
        first = api.get("/me")["X-Request-ID"]
        second = api.get("/me")["X-Request-ID"]

        assert REQUEST_ID.match(first)
        assert REQUEST_ID.match(second)
        assert first != second

    @pytest.mark.parametrize(
        "bad", ["short", "has spaces in it", "x" * 65, "<script>alert</script>"]
    )
    def test_unsafe_request_id_is_replaced(self, api: ApiClient, bad):
        response = api.get("/me", headers={"X-Request-ID": bad})

        assert REQUEST_ID.match(response["X-Request-ID"])

    def test_pages_carry_a_request_id_too(self, api: ApiClient):
        response = api.get("/healthz", headers={"X-Request-ID": "probe-0001"})

        assert response["X-Request-ID"] == "probe-0001"


@pytest.mark.django_db
class TestHealth:
    def test_healthz(self, api: ApiClient):
        response = api.get("/healthz")

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert "no-store" in response["Cache-Control"]

    def test_readyz_when_everything_answers(self, api: ApiClient):
        response = api.get("/readyz")

        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
        }

    def test_readyz_names_an_unreachable_cache(self, api: ApiClient, settings):
        # Nothing listens on port 1: the cache is really down.
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
            }
        }

        response = api.get("/readyz")

        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "down": ["cache"],
            "checks": {"database": "ok", "cache": "down", "broker": "ok"},
        }

    def test_readyz_names_every_failed_check(self, api: ApiClient, monkeypatch):
        from agora.core import health

        def broker_down() -> None:
            raise ConnectionRefusedError("no broker")

        monkeypatch.setitem(health.CHECKS, "broker", broker_down)
        monkeypatch.setitem(health.CHECKS, "cache", broker_down)

        response = api.get("/readyz")

        assert response.status_code == 503
        assert response.json()["down"] == ["cache", "broker"]
        assert b"no broker" not in response.content


@pytest.mark.django_db
class TestOpenApi:
    @pytest.fixture
    def spec(self, api: ApiClient) -> dict:
        response = api.get("/api/v1/openapi.json")
        assert response.status_code == 200
        return response.json()

    def test_lists_the_accounts_paths(self, spec):
        assert {
            "/api/v1/auth/register": {"post"},
            "/api/v1/auth/login": {"post"},
            "/api/v1/auth/refresh": {"post"},
            "/api/v1/auth/logout": {"post"},
            "/api/v1/auth/password/forgot": {"post"},
            "/api/v1/auth/password/reset": {"post"},
            "/api/v1/me": {"get", "patch", "delete"},
            "/api/v1/me/instructor": {"post"},
            "/api/v1/me/avatar": {"post"},
            "/api/v1/me/export": {"get"},
            "/api/v1/admin/users": {"get"},
            "/api/v1/admin/users/{user_id}/suspend": {"post"},
            "/api/v1/admin/users/{user_id}/unsuspend": {"post"},
        }.items() <= {path: set(ops) for path, ops in spec["paths"].items()}.items()

    def test_documents_error_responses_with_the_envelope(self, spec):
        login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]

        assert {"200", "401", "403", "422", "429"} <= set(login)
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                errors = {code for code in operation["responses"] if code.startswith(("4", "5"))}
                assert errors, f"{method} {path} documents no error"
                for code in errors:
                    schema = operation["responses"][code]["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)

    def test_authenticated_endpoints_declare_bearer_auth(self, spec):
        assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"JWTAuth": []}]
        assert spec["components"]["securitySchemes"]["JWTAuth"] == {
            "type": "http",
            "scheme": "bearer",
        }
        assert "security" not in spec["paths"]["/api/v1/auth/login"]["post"]

    def test_every_operation_documents_the_errors_its_shape_implies(self, spec):
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                documented = set(operation["responses"])
                expected = {"429", "500"}
                if "requestBody" in operation:
                    expected |= {"400", "413", "422"}
                if operation.get("parameters"):
                    expected.add("422")
                if "security" in operation:
                    expected.add("401")
                assert expected <= documented, (method, path, expected - documented)

    def test_an_upload_documents_its_malformed_multipart_answer(self, spec):
        responses = spec["paths"]["/api/v1/me/avatar"]["post"]["responses"]

        assert "malformed_multipart" in responses["400"]["description"]

    @pytest.mark.parametrize(
        ("path", "media_type"),
        [
            ("/api/v1/orders/{order_id}/invoice", "application/pdf"),
            ("/api/v1/certificates/{certificate_id}/pdf", "application/pdf"),
            ("/api/v1/resources/{resource_id}/download", "*/*"),
        ],
    )
    def test_file_downloads_document_their_media_type(self, spec, path, media_type):
        ok = spec["paths"][path]["get"]["responses"]["200"]

        assert ok["content"] == {media_type: {"schema": {"type": "string", "format": "binary"}}}

    def test_docs_page_is_html(self, api: ApiClient):
        response = api.get("/api/v1/docs")

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert b"swagger" in response.content.lower()
        assert b"/api/v1/openapi.json" in response.content


@pytest.mark.django_db
def test_an_empty_body_names_the_body_not_our_parameter(api: ApiClient):
    response = api.post("/auth/login", raw="")

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"body": ["Field required"]}


class TestDomainErrorsOnPages:
    """Pages turn the services' errors into the page for their status."""

    @pytest.fixture
    def raising_view(self, monkeypatch):
        from agora.accounts import queries

        def install(error):
            def fail(**kwargs):
                raise error

            monkeypatch.setattr(queries, "get_public_profile", fail)

        return install

    @pytest.mark.django_db
    def test_not_found_is_the_404_page(self, client, raising_view):
        from agora.core.errors import NotFound

        raising_view(NotFound("No such person."))

        response = client.get("/people/1/")

        assert response.status_code == 404
        assert b"Page not found" in response.content

    @pytest.mark.django_db
    def test_forbidden_is_the_403_page(self, client, raising_view):
        from agora.core.errors import PermissionDenied

        raising_view(PermissionDenied("Instructors only."))

        response = client.get("/people/1/")

        assert response.status_code == 403
        assert b"You cannot open this page" in response.content

    @pytest.mark.django_db
    def test_other_errors_show_their_message_with_their_status(self, client, raising_view):
        from agora.core.errors import Conflict

        raising_view(Conflict("Already done."))

        response = client.get("/people/1/")

        assert response.status_code == 409
        assert b"Already done." in response.content


def test_every_operation_documents_its_errors_with_the_envelope(client):
    schema = client.get("/api/v1/openapi.json").json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"429", "500"} <= set(responses), (method, path)
            for status, response in responses.items():
                if int(status) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorOut", (method, path, status)


def test_unknown_api_path_is_404_for_a_post_with_cookies_too():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "x" * 32

    response = client.post("/api/v1/no-such-endpoint", data="{}", content_type="application/json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_page_number_beyond_reason_is_422_not_500(admin_api):
    response = admin_api.get("/admin/users?page=99999999999999999999999")

    assert response.status_code == 422
    assert "page" in response.json()["error"]["fields"]


def test_plain_text_emails_are_not_html_escaped():
    from agora.core.mail import render_email

    message = render_email(
        "accounts/email/welcome", {"user": type("U", (), {"get_short_name": "Tom & Jerry <3"})()}
    )

    assert "Tom & Jerry <3" in message["text"]
    assert "Tom & Jerry <3" in message["subject"]
    assert "Tom &amp; Jerry &lt;3" in message["html"]


class TestRequestBodies:
    """Bodies the API cannot use are the client's fault, on every endpoint at once."""

    @pytest.fixture
    def studio(self, db):
        from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, api_for

        course = CourseFactory()
        lesson = LessonFactory(module=ModuleFactory(course=course), type="video")
        return {"api": api_for(course.owner), "course": course, "lesson": lesson}

    UPLOADS = [
        "/me/avatar",
        "/courses/{course}/thumbnail",
        "/lessons/{lesson}/video",
        "/lessons/{lesson}/subtitles",
        "/lessons/{lesson}/resources",
    ]

    @pytest.mark.parametrize("path", UPLOADS)
    @pytest.mark.parametrize(
        "content_type",
        ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary"],
    )
    def test_multipart_without_a_boundary_is_400(self, studio, path, content_type):
        url = path.format(course=studio["course"].pk, lesson=studio["lesson"].pk)

        response = studio["api"].post(url, raw=b"garbage", headers={"Content-Type": content_type})

        assert response.status_code == 400
        assert response.json() == {
            "error": {
                "code": "malformed_multipart",
                "message": (
                    "The multipart body could not be read: send multipart/form-data with its "
                    "boundary and well-formed parts."
                ),
            }
        }

    @pytest.mark.parametrize("path", UPLOADS)
    def test_a_garbled_multipart_body_is_a_client_error(self, studio, path):
        url = path.format(course=studio["course"].pk, lesson=studio["lesson"].pk)
        body = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nab'

        response = studio["api"].post(
            url, raw=body, headers={"Content-Type": "multipart/form-data; boundary=xyz"}
        )

        assert response.status_code in (400, 422)
        assert response.json()["error"]["code"] in ("malformed_multipart", "validation_error")

    @pytest.mark.parametrize("body", ["[]", '["name"]', '"Ada"', "42", "true", "null"])
    def test_json_that_is_not_an_object_is_422_even_when_every_field_is_optional(
        self, user_api: ApiClient, user, body
    ):
        response = user_api.patch("/me", raw=body)

        assert response.status_code == 422
        assert response.json() == {
            "error": {
                "code": "validation_error",
                "message": "Some fields are not valid.",
                "fields": {"body": ["Send a JSON object."]},
            }
        }


class TestEmptyQueryValues:
    """`?category=&page=` is what a form sends for "no filter": each empty value is absent."""

    @pytest.mark.django_db
    def test_course_list_ignores_empty_values(self, api: ApiClient):
        from tests.catalog.factories import CourseFactory

        course = CourseFactory()

        response = api.get(
            "/courses?q=&category=&price=&min_rating=&instructor=&level=&language=&sort="
            "&page=&page_size="
        )

        assert response.status_code == 200
        body = response.json()
        assert [item["id"] for item in body["items"]] == [course.pk]
        assert (body["page"], body["page_size"]) == (1, 20)

    def test_admin_lists_ignore_empty_values(self, admin_api: ApiClient):
        response = admin_api.get("/admin/users?q=&role=&suspended=&page=&page_size=")

        assert response.status_code == 200
        assert (response.json()["count"], response.json()["page"]) == (1, 1)

    @pytest.mark.django_db
    def test_a_value_that_is_there_is_still_checked(self, api: ApiClient):
        response = api.get("/courses?page=&page_size=abc")

        assert response.status_code == 422
        assert set(error(response)["fields"]) == {"page_size"}


@pytest.mark.django_db
class TestUnstorableText:
    """No database column can hold a NUL (PostgreSQL refuses it even in a WHERE clause) or an
    unpaired surrogate (not UTF-8): such text is refused as input, naming the field."""

    MESSAGE = ["Text may not contain the NUL character or unpaired surrogates."]

    def test_nul_in_a_json_field(self, api: ApiClient):
        response = api.post("/coupons/validate", {"code": "A\x00B", "course_ids": [1]})

        assert response.status_code == 422
        assert error(response)["fields"] == {"code": self.MESSAGE}

    def test_nul_deep_in_a_json_body_names_its_place(self, admin_api: ApiClient):
        from tests.catalog.factories import CourseFactory

        course = CourseFactory()

        response = admin_api.patch(f"/courses/{course.pk}", {"requirements": ["ok", "b\x00d"]})

        assert response.status_code == 422
        assert error(response)["fields"] == {"requirements.1": self.MESSAGE}
        course.refresh_from_db()
        assert course.requirements != ["ok", "b\x00d"]

    def test_an_unpaired_surrogate(self, user_api: ApiClient, user):
        response = user_api.patch("/me", raw='{"name": "Ada \\ud800"}')

        assert response.status_code == 422
        assert error(response)["fields"] == {"name": self.MESSAGE}
        user.refresh_from_db()
        assert user.name != "Ada \ud800"

    def test_nul_in_a_query_value_matches_nothing(self, admin_api: ApiClient):
        # A query is only compared, never stored: it is not refused, it finds nobody.
        response = admin_api.get("/admin/users?q=Ada%00")

        assert response.status_code == 200
        assert response.json()["items"] == []

    def test_nul_in_a_form_field(self, db):
        from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, api_for

        course = CourseFactory()
        lesson = LessonFactory(module=ModuleFactory(course=course))

        response = api_for(course.owner).client.post(
            f"/api/v1/lessons/{lesson.pk}/resources",
            {"title": "Sl\x00ides", "url": "https://example.com/s"},
            headers={"Authorization": f"Bearer {api_for(course.owner).token}"},
        )

        assert response.status_code == 422
        assert error(response)["fields"] == {"title": self.MESSAGE}
        assert not lesson.resources.exists()

    def test_nul_in_a_path_is_404(self, api: ApiClient):
        response = api.get("/certificates/verify/AGR%00X")

        assert response.status_code == 404
        assert error(response)["code"] == "not_found"


def test_operation_ids_are_unique_and_do_not_follow_code_moves() -> None:
    """Clients generate method names from operationIds: a module split (catalog/api/ is a
    package) must not rename them."""
    from agora.api import api as agora_api

    schema = agora_api.get_openapi_schema()
    ids = [
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(ids) == len(set(ids))
    assert "agora_catalog_api_upload_video" in ids  # lives in agora/catalog/api/files.py
    assert "agora_catalog_api_list_courses" in ids
