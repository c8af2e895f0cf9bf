"""Downloadable files and links attached to lessons: checked uploads, guarded downloads."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agora.catalog.models import CourseStatus, Resource
from tests.catalog.factories import (
    CourseFactory,
    DraftCourseFactory,
    LessonFactory,
    ModuleFactory,
    UrlResourceFactory,
    api_for,
    enroll,
)
from tests.conftest import ApiClient

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
RANDOM = bytes(range(256)) * 8


def error(response) -> dict:
    return response.json()["error"]


def post_resource(client: ApiClient, lesson, data: dict):
    return client.client.post(
        f"/api/v1/lessons/{lesson.pk}/resources", data=data, headers=client._headers(None)
    )


def pdf(name="handout.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def lesson(instructor):
    return LessonFactory(module=ModuleFactory(course=DraftCourseFactory(owner=instructor)))


@pytest.mark.django_db
class TestUploadResource:
    def test_pdf_is_stored_under_a_server_name(self, lesson, instructor_api: ApiClient):
        response = post_resource(instructor_api, lesson, {"title": "Handout", "file": pdf()})

        assert response.status_code == 201, response.content
        body = response.json()
        resource = Resource.objects.get(pk=body["id"])
        assert body == {
            "id": resource.pk,
            "title": "Handout",
            "url": f"/api/v1/resources/{resource.pk}/download",
            "size_bytes": len(PDF),
            "content_type": "application/pdf",
        }
        assert re.fullmatch(r"resources/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", resource.file.name)
        with resource.file.open("rb") as stored:
            assert stored.read() == PDF

    def test_the_stored_extension_follows_the_content_not_the_name(
        self, lesson, instructor_api: ApiClient
    ):
        response = post_resource(
            instructor_api, lesson, {"title": "Sneaky", "file": pdf("page.html")}
        )

        assert response.status_code == 201
        resource = Resource.objects.get(pk=response.json()["id"])
        assert resource.file.name.endswith(".pdf")
        assert resource.content_type == "application/pdf"

    @pytest.mark.parametrize(
        ("name", "content", "content_type"),
        [
            ("notes.md", "# Notes\n\nÜnïcödé".encode(), "text/markdown"),
            ("data.csv", b"a,b\n1,2\n", "text/csv"),
            ("bundle.zip", b"PK\x03\x04rest-of-zip", "application/zip"),
        ],
    )
    def test_other_accepted_kinds(self, lesson, instructor_api, name, content, content_type):
        upload = SimpleUploadedFile(name, content)

        response = post_resource(instructor_api, lesson, {"title": "File", "file": upload})

        assert response.status_code == 201, response.content
        assert response.json()["content_type"] == content_type

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("setup.exe", EXE),
            ("handout.pdf", EXE),
            ("blob.bin", RANDOM),
            ("notes.txt", RANDOM),
            ("page.html", b"<html><script>alert(1)</script></html>"),
            ("noextension", b"plain words"),
            ("empty.pdf", b""),
        ],
    )
    def test_unsupported_content_is_422(self, lesson, instructor_api, name, content):
        upload = SimpleUploadedFile(name, content)

        response = post_resource(instructor_api, lesson, {"title": "Bad", "file": upload})

        assert response.status_code == 422
        assert "file" in error(response)["fields"]
        assert Resource.objects.count() == 0

    def test_too_big_is_422(self, lesson, instructor_api: ApiClient, settings):
        settings.RESOURCE_MAX_BYTES = len(PDF) - 1

        response = post_resource(instructor_api, lesson, {"title": "Big", "file": pdf()})

        assert response.status_code == 422
        assert "file" in error(response)["fields"]
        assert Resource.objects.count() == 0

    def test_url_resource(self, lesson, instructor_api: ApiClient):
        response = post_resource(
            instructor_api, lesson, {"title": "Docs", "url": "https://docs.example.com/x"}
        )

        assert response.status_code == 201
        assert response.json()["url"] == "https://docs.example.com/x"
        assert response.json()["size_bytes"] == 0

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"title": "Docs", "url": "javascript:alert(1)"}, "url"),
            ({"title": "Docs", "url": "https://e.com/" + "p" * 300}, "url"),
            ({"title": "", "url": "https://e.com/"}, "title"),
            ({"title": "t" * 201, "url": "https://e.com/"}, "title"),
            ({"title": "Nothing"}, "file"),
            ({"url": "https://e.com/"}, "title"),
        ],
    )
    def test_bad_forms_are_422(self, lesson, instructor_api, data, field):
        response = post_resource(instructor_api, lesson, data)

        assert response.status_code == 422
        assert field in error(response)["fields"]
        assert Resource.objects.count() == 0

    def test_file_and_url_together_are_422(self, lesson, instructor_api: ApiClient):
        response = post_resource(
            instructor_api, lesson, {"title": "Both", "url": "https://e.com/", "file": pdf()}
        )

        assert response.status_code == 422
        assert Resource.objects.count() == 0

    def test_others_get_404_and_nothing_is_stored(self, lesson, other_api, learner_api, api):
        for client in (other_api, learner_api):
            assert post_resource(client, lesson, {"title": "x", "file": pdf()}).status_code == 404
        assert post_resource(api, lesson, {"title": "x", "file": pdf()}).status_code == 401
        assert Resource.objects.count() == 0


def file_resource(client: ApiClient, lesson, title="Handout") -> Resource:
    response = post_resource(client, lesson, {"title": title, "file": pdf()})
    assert response.status_code == 201, response.content
    return Resource.objects.get(pk=response.json()["id"])


def download(client: ApiClient, resource: Resource):
    return client.get(f"/resources/{resource.pk}/download")


@pytest.fixture
def published_lessons(instructor):
    course = CourseFactory(owner=instructor)
    module = ModuleFactory(course=course)
    return (
        course,
        LessonFactory(module=module, is_preview=True),
        LessonFactory(module=module),
    )


@pytest.mark.django_db
class TestDownload:
    def test_preview_lesson_files_are_open_to_everyone(
        self, published_lessons, instructor_api, api
    ):
        _, preview, _ = published_lessons
        resource = file_resource(instructor_api, preview)

        response = download(api, resource)

        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="Handout.pdf"'
        assert response["Cache-Control"] == "private, no-store"

    def test_locked_lesson_files_need_enrollment(
        self, published_lessons, instructor_api, api, learner, learner_api, other_api, staff_api
    ):
        course, _, locked = published_lessons
        resource = file_resource(instructor_api, locked)
        link = UrlResourceFactory(lesson=locked, url="https://example.com/private")

        for client in (api, learner_api, other_api):
            for item in (resource, link):
                response = download(client, item)
                assert response.status_code == 403
                assert error(response)["code"] == "enrollment_required"

        enroll(learner, course)
        assert download(learner_api, resource).status_code == 200
        assert download(instructor_api, resource).status_code == 200
        assert download(staff_api, resource).status_code == 200
        redirect = download(learner_api, link)
        assert redirect.status_code == 302
        assert redirect["Location"] == "https://example.com/private"

    def test_unpublished_course_files_are_404_for_outsiders(
        self, instructor, instructor_api, api, learner_api
    ):
        lesson = LessonFactory(
            module=ModuleFactory(course=CourseFactory(owner=instructor, status=CourseStatus.DRAFT)),
            is_preview=True,
        )
        resource = file_resource(instructor_api, lesson)

        assert download(api, resource).status_code == 404
        assert download(learner_api, resource).status_code == 404
        assert download(instructor_api, resource).status_code == 200

    def test_unknown_resource_is_404(self, api):
        assert api.get("/resources/999999/download").status_code == 404

    @pytest.mark.parametrize(
        "title", ['Week 1\r\n"notes"/../ü', "Week 1\nnotes", 'a"b\\c\td', "../../etc/passwd"]
    )
    def test_odd_titles_make_a_safe_file_name(self, published_lessons, instructor_api, api, title):
        _, preview, _ = published_lessons
        resource = file_resource(instructor_api, preview, title=title)

        response = download(api, resource)

        assert response.status_code == 200
        disposition = response["Content-Disposition"]
        assert "\n" not in disposition
        assert "\r" not in disposition
        assert "/" not in disposition.split("filename", 1)[1].replace("utf-8''", "")


@pytest.mark.django_db
class TestDeleteResource:
    def test_deletes_the_row_and_the_file(
        self, lesson, instructor_api: ApiClient, django_capture_on_commit_callbacks
    ):
        resource = file_resource(instructor_api, lesson)
        storage, name = resource.file.storage, resource.file.name

        with django_capture_on_commit_callbacks(execute=True):
            response = instructor_api.delete(f"/resources/{resource.pk}")

        assert response.status_code == 204
        assert not Resource.objects.filter(pk=resource.pk).exists()
        assert not storage.exists(name)

    def test_others_get_404_and_nothing_is_deleted(
        self,
        lesson,
        instructor_api,
        other_api,
        learner_api,
        api,
        django_capture_on_commit_callbacks,
    ):
        resource = file_resource(instructor_api, lesson)

        with django_capture_on_commit_callbacks(execute=True):
            assert other_api.delete(f"/resources/{resource.pk}").status_code == 404
            assert learner_api.delete(f"/resources/{resource.pk}").status_code == 404
            assert api.delete(f"/resources/{resource.pk}").status_code == 401

        assert Resource.objects.filter(pk=resource.pk).exists()
        assert resource.file.storage.exists(resource.file.name)

    def test_co_instructor_may_delete(self, lesson, instructor_api):
        from tests.catalog.factories import CoInstructorFactory

        resource = file_resource(instructor_api, lesson)
        co = CoInstructorFactory(course=lesson.module.course)

        assert api_for(co.user).delete(f"/resources/{resource.pk}").status_code == 204

    def test_deleting_a_duplicates_file_keeps_the_originals(
        self, instructor, lesson, instructor_api, django_capture_on_commit_callbacks
    ):
        resource = file_resource(instructor_api, lesson)
        copy_id = instructor_api.post(f"/courses/{lesson.module.course_id}/duplicate").json()["id"]
        copied = Resource.objects.get(lesson__module__course_id=copy_id)

        with django_capture_on_commit_callbacks(execute=True):
            assert instructor_api.delete(f"/resources/{copied.pk}").status_code == 204

        assert resource.file.storage.exists(resource.file.name)
