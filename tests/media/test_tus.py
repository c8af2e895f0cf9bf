"""Resumable uploads over the tus 1.0 protocol (core, creation, termination)."""

import base64

import pytest
from django.core.files.storage import default_storage

from agora.media.models import Upload

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
BODY = MP4_HEAD + bytes(range(256)) * 40  # 10 264 bytes whose positions are easy to check
TUS = {"Tus-Resumable": "1.0.0"}
URL = "/api/v1/uploads/"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def create(client, length=None, metadata=None, **headers):
    length = len(BODY) if length is None else length
    sent = {**TUS, "Upload-Length": str(length), **headers}
    if metadata is not None:
        sent["Upload-Metadata"] = metadata
    return client.client.post(URL, headers=client._headers(sent))


def patch(client, location, offset, data, **headers):
    sent = {**TUS, "Upload-Offset": str(offset), **headers}
    return client.client.patch(
        location,
        data=data,
        content_type=headers.pop("content_type", "application/offset+octet-stream"),
        headers=client._headers(sent),
    )


def head(client, location):
    return client.client.head(location, headers=client._headers(TUS))


def stored_bytes(upload: Upload) -> bytes:
    joined = b""
    for name in sorted(upload.parts):
        with default_storage.open(name, "rb") as part:
            joined += part.read()
    return joined


@pytest.fixture
def location(instructor_api):
    response = create(
        instructor_api, metadata=f"filename {b64('Lecture 1.mp4')},filetype {b64('video/mp4')}"
    )
    assert response.status_code == 201, response.content
    return response["Location"]


@pytest.mark.django_db
class TestCreation:
    def test_options_says_what_the_server_speaks(self, api):
        response = api.client.options(URL)

        assert response.status_code == 204
        assert response["Tus-Version"] == "1.0.0"
        assert response["Tus-Extension"] == "creation,termination"
        assert int(response["Tus-Max-Size"]) > 0

    def test_create_answers_with_a_location_and_keeps_the_metadata(
        self, instructor_api, instructor
    ):
        response = create(instructor_api, metadata=f"filename {b64('Leçon 1.mp4')},empty")

        assert response.status_code == 201
        assert response["Tus-Resumable"] == "1.0.0"
        assert response["Location"].startswith("http://testserver/api/v1/uploads/")
        upload = Upload.objects.get()
        assert upload.owner == instructor
        assert (upload.length, upload.offset) == (len(BODY), 0)
        assert upload.metadata == {"filename": "Leçon 1.mp4", "empty": ""}
        assert head(instructor_api, response["Location"])["Upload-Metadata"] == (
            f"empty,filename {b64('Leçon 1.mp4')}"
        )

    def test_anonymous_callers_are_refused(self, api):
        response = create(api)

        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert not Upload.objects.exists()

    def test_a_bad_token_is_refused(self, api):
        response = create(api, Authorization="Bearer nope")

        assert response.status_code == 401
        assert not Upload.objects.exists()

    def test_the_protocol_version_is_required(self, instructor_api):
        response = instructor_api.client.post(
            URL, headers=instructor_api._headers({"Upload-Length": "10"})
        )

        assert response.status_code == 412
        assert response["Tus-Version"] == "1.0.0"
        assert not Upload.objects.exists()

    @pytest.mark.parametrize("length", ["", "-1", "0", "ten"])
    def test_a_length_is_required(self, instructor_api, length):
        response = create(instructor_api, length=length)

        assert response.status_code in (400, 422)
        assert "Upload-Length" in response.json()["error"]["message"]
        assert not Upload.objects.exists()

    def test_deferred_length_is_not_supported(self, instructor_api):
        response = instructor_api.client.post(
            URL, headers=instructor_api._headers({**TUS, "Upload-Defer-Length": "1"})
        )

        assert response.status_code == 422
        assert not Upload.objects.exists()

    def test_bad_metadata_is_refused(self, instructor_api):
        response = create(instructor_api, metadata="filename not*base64")

        assert response.status_code == 422
        assert "filename" in response.json()["error"]["message"]

    def test_a_file_over_the_size_limit_is_refused_before_any_byte(self, instructor_api, settings):
        settings.VIDEO_MAX_BYTES = 1000

        response = create(instructor_api, length=1001)

        assert response.status_code == 413
        assert response.json()["error"]["code"] == "upload_too_large"
        assert not Upload.objects.exists()

    def test_the_quota_counts_open_uploads(self, instructor_api, other_api, settings):
        settings.MEDIA_UPLOAD_QUOTA_BYTES = 25_000
        assert create(instructor_api, length=20_000).status_code == 201

        refused = create(instructor_api, length=5_001)
        someone_else = create(other_api, length=20_000)

        assert refused.status_code == 413
        assert refused.json()["error"]["code"] == "upload_quota_exceeded"
        assert someone_else.status_code == 201
        assert create(instructor_api, length=5_000).status_code == 201
        assert Upload.objects.count() == 3


@pytest.mark.django_db
class TestCore:
    def test_a_file_in_one_patch(self, instructor_api, location):
        response = patch(instructor_api, location, 0, BODY)

        assert response.status_code == 204, response.content
        assert response["Upload-Offset"] == str(len(BODY))
        upload = Upload.objects.get()
        assert upload.is_complete
        assert upload.extension == "mp4"
        assert stored_bytes(upload) == BODY

    def test_resume_after_a_dropped_connection(self, instructor_api, location):
        # The first request carried only part of the file (the connection dropped).
        assert patch(instructor_api, location, 0, BODY[:4000]).status_code == 204

        state = head(instructor_api, location)
        assert state.status_code == 200
        assert state["Upload-Offset"] == "4000"
        assert state["Upload-Length"] == str(len(BODY))
        assert state["Cache-Control"] == "no-store"
        resumed = patch(instructor_api, location, 4000, BODY[4000:7000])
        finished = patch(instructor_api, location, 7000, BODY[7000:])

        assert (resumed["Upload-Offset"], finished["Upload-Offset"]) == ("7000", str(len(BODY)))
        upload = Upload.objects.get()
        assert len(upload.parts) == 3
        assert stored_bytes(upload) == BODY

    def test_a_wrong_offset_is_a_conflict_and_changes_nothing(self, instructor_api, location):
        patch(instructor_api, location, 0, BODY[:4000])

        behind = patch(instructor_api, location, 0, BODY[:4000])
        ahead = patch(instructor_api, location, 5000, BODY[5000:])

        for response in (behind, ahead):
            assert response.status_code == 409
            assert response.json()["error"]["code"] == "upload_offset_mismatch"
        upload = Upload.objects.get()
        assert upload.offset == 4000
        assert len(upload.parts) == 1
        assert stored_bytes(upload) == BODY[:4000]

    def test_bytes_past_the_length_are_refused(self, instructor_api, location):
        response = patch(instructor_api, location, 0, BODY + b"extra")

        assert response.status_code == 413
        upload = Upload.objects.get()
        assert upload.offset == 0
        assert upload.parts == []

    def test_the_content_type_is_required(self, instructor_api, location):
        response = patch(instructor_api, location, 0, BODY, content_type="video/mp4")

        assert response.status_code == 415
        assert Upload.objects.get().offset == 0

    def test_a_file_that_is_not_a_video_ends_the_upload(self, instructor_api, location):
        response = patch(instructor_api, location, 0, b"MZ\x90\x00" + b"\x00" * 200)

        assert response.status_code == 415
        assert response.json()["error"]["code"] == "upload_not_video"
        assert not Upload.objects.exists()
        assert head(instructor_api, location).status_code == 404

    def test_others_uploads_are_not_found(
        self, instructor_api, other_api, learner_api, api, location
    ):
        patch(instructor_api, location, 0, BODY[:100])

        for client in (other_api, learner_api):
            assert head(client, location).status_code == 404
            assert patch(client, location, 100, BODY[100:]).status_code == 404
            assert client.client.delete(location, headers=client._headers(TUS)).status_code == 404
        assert head(api, location).status_code == 401
        assert Upload.objects.get().offset == 100

    def test_an_expired_upload_is_gone(self, instructor_api, location):
        from django.utils import timezone

        Upload.objects.update(expires_at=timezone.now())

        assert head(instructor_api, location).status_code == 404

    def test_an_unknown_id_is_not_found(self, instructor_api):
        assert head(instructor_api, f"{URL}not-a-uuid").status_code == 404
        assert head(instructor_api, f"{URL}00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.django_db
class TestTermination:
    def test_delete_removes_the_upload_and_its_bytes(
        self, instructor_api, location, django_capture_on_commit_callbacks
    ):
        patch(instructor_api, location, 0, BODY[:5000])
        parts = Upload.objects.get().parts

        with django_capture_on_commit_callbacks(execute=True):
            response = instructor_api.client.delete(location, headers=instructor_api._headers(TUS))

        assert response.status_code == 204
        assert not Upload.objects.exists()
        assert not any(default_storage.exists(name) for name in parts)
        assert head(instructor_api, location).status_code == 404
        assert patch(instructor_api, location, 5000, BODY[5000:]).status_code == 404

    def test_a_terminated_upload_frees_the_quota(self, instructor_api, settings):
        settings.MEDIA_UPLOAD_QUOTA_BYTES = 20_000
        first = create(instructor_api, length=20_000)["Location"]
        assert create(instructor_api, length=1).status_code == 413

        instructor_api.client.delete(first, headers=instructor_api._headers(TUS))

        assert create(instructor_api, length=20_000).status_code == 201


@pytest.mark.django_db
class TestSessionCallers:
    """The studio's pages upload with their session and the CSRF token."""

    def test_a_session_with_the_csrf_token_may_upload(self, instructor):
        from django.test import Client

        browser = Client(enforce_csrf_checks=True)
        browser.force_login(instructor)
        browser.get("/studio/")  # sets the CSRF cookie
        token = browser.cookies["csrftoken"].value

        refused = browser.post(URL, headers={**TUS, "Upload-Length": "10"})
        accepted = browser.post(URL, headers={**TUS, "Upload-Length": "10", "X-CSRFToken": token})

        assert refused.status_code == 403
        assert accepted.status_code == 201
        assert Upload.objects.count() == 1


@pytest.mark.django_db
def test_expired_unfinished_uploads_are_purged(instructor_api, location):
    from django.utils import timezone

    from agora.media.tasks import purge_expired_uploads

    patch(instructor_api, location, 0, BODY[:5000])
    parts = Upload.objects.get().parts
    fresh = create(instructor_api)["Location"]
    Upload.objects.exclude(pk=fresh.rsplit("/", 1)[-1]).update(expires_at=timezone.now())

    assert purge_expired_uploads() == 1

    assert list(Upload.objects.values_list("pk", flat=True).order_by()) == [Upload.objects.get().pk]
    assert str(Upload.objects.get().pk) == fresh.rsplit("/", 1)[-1]
    assert not any(default_storage.exists(name) for name in parts)
