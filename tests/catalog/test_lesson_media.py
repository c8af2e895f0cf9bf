"""Lesson videos and subtitles: checked uploads, and gated media served only through signed,
expiring links with HTTP Range support (catalog/lesson_media.py over agora/media)."""

import re
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from agora.catalog import queries, services
from agora.catalog.models import CourseStatus, Lesson, LessonType, Resource
from agora.core.models import Job
from agora.learning.services import revoke_enrollment
from agora.media import signing as media_signing
from tests.catalog.factories import (
    CourseFactory,
    DraftCourseFactory,
    LessonFactory,
    ModuleFactory,
    api_for,
    enroll,
)
from tests.conftest import ApiClient, client_for

# An MP4's first box ("ftyp", brand mp42), then bytes whose positions are easy to check.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
WEBM = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x00" * 500
)
MATROSKA = WEBM.replace(b"\x42\x82\x84webm", b"\x42\x82\x88matroska")
QUICKTIME = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x00" * 500
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
VTT = (
    "WEBVTT\n\n1\n00:00.000 --> 00:02.500\nHello, élève!\n\n"
    "00:01:02.000 --> 00:01:04.000 align:start position:10%\nSecond line\n"
)


def error(response) -> dict:
    return response.json()["error"]


def upload(client: ApiClient, lesson: Lesson, kind: str, content: bytes, name: str = ""):
    name = name or {"video": "clip.mp4", "subtitles": "captions.vtt"}[kind]
    return client.client.post(
        f"/api/v1/lessons/{lesson.pk}/{kind}",
        data={"file": SimpleUploadedFile(name, content)},
        headers=client._headers(None),
    )


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def course(instructor):
    return CourseFactory(owner=instructor)


@pytest.fixture
def video_lesson(course):
    return LessonFactory(module=ModuleFactory(course=course), type=LessonType.VIDEO, body="")


def legacy_video(lesson: Lesson, content: bytes = MP4, extension: str = "mp4") -> None:
    """A video uploaded before the video pipeline: stored as sent, played as it is."""
    from agora.catalog.services.files import _replace_lesson_file

    _replace_lesson_file(lesson, "video", f"video.{extension}", ContentFile(content))


@pytest.fixture
def with_video(video_lesson, instructor):
    legacy_video(video_lesson)
    services.set_lesson_subtitles(
        user=instructor, lesson=video_lesson, upload=SimpleUploadedFile("s.vtt", VTT.encode())
    )
    video_lesson.refresh_from_db()
    return video_lesson


def urls_for(user, lesson) -> dict:
    fresh = Lesson.objects.select_related("module__course__owner").get(pk=lesson.pk)
    return queries.lesson_media_urls(user, fresh)


# --- uploads ---------------------------------------------------------------------------------
@pytest.mark.django_db
class TestVideoUpload:
    def test_an_mp4_is_stored_under_a_server_name_and_queued(self, video_lesson, instructor_api):
        response = upload(instructor_api, video_lesson, "video", MP4, name="My Holiday.mov")

        assert response.status_code == 202, response.content
        assert response.json() == {"status": "processing"}
        video_lesson.refresh_from_db()
        video = video_lesson.video
        assert video.status == "processing"
        assert re.fullmatch(r"videos/sources/[0-9a-f]{32}\.mp4", video.source)
        with default_storage.open(video.source, "rb") as stored:
            assert stored.read() == MP4
        assert Job.objects.get().kwargs == {"video_id": video.pk}
        body = instructor_api.get(f"/lessons/{video_lesson.pk}").json()
        assert body["video_file_url"] is None  # the original is never handed out
        assert body["subtitles_url"] is None

    def test_a_webm_is_accepted(self, video_lesson, instructor_api):
        response = upload(instructor_api, video_lesson, "video", WEBM, name="clip.bin")

        assert response.status_code == 202, response.content
        video_lesson.refresh_from_db()
        assert video_lesson.video.source.endswith(".webm")

    @pytest.mark.parametrize(
        ("content", "name"),
        [
            (EXE, "video.mp4"),
            (QUICKTIME, "video.mov"),
            (MATROSKA, "video.webm"),
            (b"just some text pretending", "video.mp4"),
            (b"", "empty.mp4"),
        ],
    )
    def test_other_content_is_refused_whatever_its_name(
        self, video_lesson, instructor_api, content, name
    ):
        response = upload(instructor_api, video_lesson, "video", content, name=name)

        assert response.status_code == 422
        assert "MP4" in error(response)["fields"]["file"][0]
        video_lesson.refresh_from_db()
        assert video_lesson.video is None

    def test_the_size_limit_comes_from_the_settings(self, video_lesson, instructor_api, settings):
        settings.VIDEO_MAX_BYTES = 2 * 1024 * 1024
        too_big = MP4 + b"\x00" * (2 * 1024 * 1024)

        response = upload(instructor_api, video_lesson, "video", too_big)

        assert response.status_code == 422
        assert error(response)["fields"] == {"file": ["The file is larger than 2 MB."]}

    def test_only_video_lessons_take_a_video(self, course, instructor_api):
        text_lesson = LessonFactory(module=ModuleFactory(course=course))

        response = upload(instructor_api, text_lesson, "video", MP4)

        assert response.status_code == 422
        assert "video lessons" in error(response)["fields"]["file"][0]

    def test_a_file_is_required(self, video_lesson, instructor_api):
        response = instructor_api.client.post(
            f"/api/v1/lessons/{video_lesson.pk}/video", headers=instructor_api._headers(None)
        )

        assert response.status_code == 422

    def test_only_the_course_instructors_upload(
        self, video_lesson, other_api, learner, learner_api, api
    ):
        enroll(learner, video_lesson.module.course)  # a learner, even enrolled, edits nothing
        assert upload(other_api, video_lesson, "video", MP4).status_code == 404
        assert upload(learner_api, video_lesson, "video", MP4).status_code == 404
        assert upload(api, video_lesson, "video", MP4).status_code == 401
        video_lesson.refresh_from_db()
        assert not video_lesson.video_file

    def test_a_new_video_replaces_an_upload_from_before_the_pipeline(
        self, with_video, instructor_api, django_capture_on_commit_callbacks
    ):
        old = Path(with_video.video_file.path)

        with django_capture_on_commit_callbacks(execute=True):
            response = upload(instructor_api, with_video, "video", WEBM)

        assert response.status_code == 202
        with_video.refresh_from_db()
        assert not with_video.video_file
        assert with_video.video.source.endswith(".webm")
        assert not old.exists()

    def test_a_duplicated_course_keeps_the_shared_file(
        self, with_video, instructor, instructor_api, django_capture_on_commit_callbacks
    ):
        copy = services.duplicate_course(user=instructor, course=with_video.module.course)
        copied = Lesson.objects.get(module__course=copy)
        assert copied.video_file.name == with_video.video_file.name
        shared = Path(with_video.video_file.path)

        with django_capture_on_commit_callbacks(execute=True):
            assert upload(instructor_api, with_video, "video", WEBM).status_code == 202

        assert shared.exists()
        copied.refresh_from_db()
        assert Path(copied.video_file.path) == shared

    def test_removing_the_video(
        self, with_video, instructor_api, django_capture_on_commit_callbacks
    ):
        stored = Path(with_video.video_file.path)

        with django_capture_on_commit_callbacks(execute=True):
            response = instructor_api.delete(f"/lessons/{with_video.pk}/video")

        assert response.status_code == 200
        assert response.json()["video_file_url"] is None
        assert response.json()["subtitles_url"] is not None
        assert not stored.exists()
        with_video.refresh_from_db()
        assert not with_video.video_file


@pytest.mark.django_db
class TestSubtitleUpload:
    def test_webvtt_is_stored_as_utf8_without_a_bom(self, video_lesson, instructor_api):
        content = ("\ufeff" + VTT.replace("\n", "\r\n")).encode()

        response = upload(instructor_api, video_lesson, "subtitles", content, name="x.txt")

        assert response.status_code == 200, response.content
        assert response.json()["subtitles_url"].startswith("/media-signed/")
        video_lesson.refresh_from_db()
        assert video_lesson.subtitle_file.name.endswith(".vtt")
        with video_lesson.subtitle_file.open("rb") as stored:
            assert stored.read() == VTT.encode()

    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            (b"1\n00:00:01,000 --> 00:00:02,000\nAn SRT file\n", "WebVTT"),
            (b"WEBVTTX\n\n00:00.000 --> 00:01.000\nHi\n", "WebVTT"),
            (b"WEBVTT\n\n00:00 --> 00:01\nNo milliseconds\n", "Line 3"),
            (b"WEBVTT\n\n00:00.000 --> 00:61.000\nBad seconds\n", "Line 3"),
            (b"WEBVTT\n\n00:05.000 --> 00:01.000\nBackwards\n", "ends before it starts"),
            (b"WEBVTT\n\nNOTE nothing else\n", "no cues"),
            (b"WEBVTT\n\n\xff\xfe\x00\x01", "UTF-8"),
            (b"WEBVTT\x00\n\n00:00.000 --> 00:01.000\nNUL\n", "WebVTT"),
            (MP4, "UTF-8"),
        ],
    )
    def test_bad_files_are_refused(self, video_lesson, instructor_api, content, problem):
        response = upload(instructor_api, video_lesson, "subtitles", content)

        assert response.status_code == 422
        assert problem in error(response)["fields"]["file"][0]
        video_lesson.refresh_from_db()
        assert not video_lesson.subtitle_file

    def test_the_size_limit(self, video_lesson, instructor_api, settings):
        settings.SUBTITLE_MAX_BYTES = 1024 * 1024
        big = VTT + "NOTE " + "x" * (1024 * 1024) + "\n"

        response = upload(instructor_api, video_lesson, "subtitles", big.encode())

        assert response.status_code == 422
        assert error(response)["fields"] == {"file": ["The file is larger than 1 MB."]}

    def test_only_video_lessons_take_subtitles(self, course, instructor_api):
        text_lesson = LessonFactory(module=ModuleFactory(course=course))

        assert upload(instructor_api, text_lesson, "subtitles", VTT.encode()).status_code == 422

    def test_others_cannot_upload_or_remove(self, with_video, other_api, api):
        assert upload(other_api, with_video, "subtitles", VTT.encode()).status_code == 404
        assert other_api.delete(f"/lessons/{with_video.pk}/subtitles").status_code == 404
        assert api.delete(f"/lessons/{with_video.pk}/subtitles").status_code == 401

    def test_removing_the_subtitles(self, with_video, instructor_api):
        response = instructor_api.delete(f"/lessons/{with_video.pk}/subtitles")

        assert response.status_code == 200
        assert response.json()["subtitles_url"] is None
        assert response.json()["video_file_url"] is not None


# --- the lesson API hands out signed links ---------------------------------------------------
@pytest.mark.django_db
class TestLessonLinks:
    def test_an_enrolled_learner_gets_links_that_play_without_a_session(self, with_video, learner):
        enroll(learner, with_video.module.course)

        body = api_for(learner).get(f"/lessons/{with_video.pk}").json()

        assert body["video_file_url"].startswith("/media-signed/")
        assert body["subtitles_url"].startswith("/media-signed/")
        assert "resources/" not in body["video_file_url"]  # the token never names the file
        video = client_for().get(body["video_file_url"])
        assert video.status_code == 200
        assert body_of(video) == MP4
        subtitles = client_for(learner).get(body["subtitles_url"])
        assert subtitles["Content-Type"] == "text/vtt; charset=utf-8"
        assert body_of(subtitles) == VTT.encode()

    def test_someone_not_enrolled_gets_no_content_and_no_links(self, with_video, learner_api):
        response = learner_api.get(f"/lessons/{with_video.pk}")

        assert response.status_code == 403
        assert error(response)["code"] == "enrollment_required"
        assert "media-signed" not in response.content.decode()

    def test_a_preview_lesson_has_links_for_everyone(self, with_video, api):
        Lesson.objects.filter(pk=with_video.pk).update(is_preview=True)

        body = api.get(f"/lessons/{with_video.pk}").json()

        assert client_for().get(body["video_file_url"]).status_code == 200

    def test_a_lesson_without_uploads_has_no_links(self, video_lesson, instructor_api):
        body = instructor_api.get(f"/lessons/{video_lesson.pk}").json()

        assert body["video_file_url"] is None
        assert body["subtitles_url"] is None

    def test_the_preview_page_plays_through_a_signed_link(self, with_video):
        Lesson.objects.filter(pk=with_video.pk).update(is_preview=True)
        course = with_video.module.course

        html = client_for().get(f"/courses/{course.slug}/lessons/{with_video.pk}/preview/")

        page = html.content.decode()
        assert html.status_code == 200
        assert '<video class="lesson-video"' in page
        assert 'src="/media-signed/' in page
        assert "/media/resources" not in page

    def test_the_helper_gives_nothing_to_those_who_may_not_watch(self, with_video, learner):
        nothing = {
            "video": None,
            "subtitles": None,
            "hls": None,
            "poster": None,
            "thumbnails": None,
        }
        assert urls_for(learner, with_video) == nothing
        assert urls_for(AnonymousUser(), with_video) == nothing
        enroll(learner, with_video.module.course)
        urls = urls_for(learner, with_video)
        assert urls["video"]
        assert urls["subtitles"]
        assert urls["hls"] is None  # no processed video yet: the upload plays as it is


# --- the signed link -------------------------------------------------------------------------
@pytest.fixture
def link(with_video, learner):
    enroll(learner, with_video.module.course)
    return urls_for(learner, with_video)["video"]


@pytest.mark.django_db
class TestSignedLink:
    def test_the_whole_file(self, link):
        response = client_for().get(link)

        assert response.status_code == 200
        assert response["Accept-Ranges"] == "bytes"
        assert response["Content-Type"] == "video/mp4"
        assert response["Content-Length"] == str(len(MP4))
        assert response["Content-Disposition"] == "inline"
        assert response["Cache-Control"] == "private, max-age=3600"
        assert response["ETag"]
        assert body_of(response) == MP4

    @pytest.mark.parametrize(
        ("header", "first", "last"),
        [
            ("bytes=0-99", 0, 99),
            ("bytes=100-", 100, len(MP4) - 1),
            ("bytes=-50", len(MP4) - 50, len(MP4) - 1),
            (f"bytes=5000-{len(MP4) * 2}", 5000, len(MP4) - 1),
            ("bytes=7-7", 7, 7),
            (f"bytes=-{len(MP4) * 3}", 0, len(MP4) - 1),
        ],
    )
    def test_a_range_is_partial_content(self, link, header, first, last):
        response = client_for().get(link, headers={"Range": header})

        assert response.status_code == 206
        assert response["Content-Range"] == f"bytes {first}-{last}/{len(MP4)}"
        assert response["Content-Length"] == str(last - first + 1)
        assert response["Accept-Ranges"] == "bytes"
        assert body_of(response) == MP4[first : last + 1]

    @pytest.mark.parametrize("header", [f"bytes={len(MP4)}-", f"bytes={len(MP4) + 10}-20000"])
    def test_a_range_past_the_end_is_unsatisfiable(self, link, header):
        response = client_for().get(link, headers={"Range": header})

        assert response.status_code == 416
        assert response["Content-Range"] == f"bytes */{len(MP4)}"

    @pytest.mark.parametrize(
        "header", ["bytes=0-1,5-6", "items=0-10", "bytes=9-3", "bytes=-", "bytes=abc-"]
    )
    def test_other_ranges_get_the_whole_file(self, link, header):
        response = client_for().get(link, headers={"Range": header})

        assert response.status_code == 200
        assert body_of(response) == MP4

    def test_if_range_sends_the_part_only_while_the_file_is_unchanged(self, link):
        etag = client_for().head(link)["ETag"]

        same = client_for().get(link, headers={"Range": "bytes=0-9", "If-Range": etag})
        other = client_for().get(link, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})

        assert same.status_code == 206
        assert other.status_code == 200
        assert body_of(other) == MP4

    def test_head_sends_the_headers_only(self, link):
        response = client_for().head(link, headers={"Range": "bytes=10-19"})

        assert response.status_code == 206
        assert response["Content-Length"] == "10"
        assert response.content == b""

    def test_other_methods_are_refused(self, link):
        assert client_for().post(link).status_code == 405

    def test_the_link_expires(self, link, monkeypatch, settings):
        now = time.time()
        monkeypatch.setattr(signing.time, "time", lambda: now + settings.SIGNED_MEDIA_MAX_AGE + 5)

        assert client_for().get(link).status_code == 403

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
            lambda token: "x" + token,
            lambda token: "not-a-token",
            lambda token: token * 10,
            lambda token: signing.dumps({"k": "video", "i": 1}, salt="another.salt"),
        ],
    )
    def test_a_forged_link_is_refused(self, link, mangle):
        token = link.split("/")[2]

        response = client_for().get(f"/media-signed/{mangle(token)}/")

        assert response.status_code == 403

    def test_a_link_for_another_kind_of_file_is_refused(self, with_video, learner):
        enroll(learner, with_video.module.course)
        token = signing.dumps(
            {"k": "thumbnail", "i": with_video.pk, "f": "", "u": learner.pk, "s": ""},
            salt=media_signing.SALT,
        )

        assert client_for().get(f"/media-signed/{token}/").status_code == 403

    def test_a_link_is_personal_in_a_browser_session(self, link, learner, other_instructor):
        assert client_for(learner).get(link).status_code == 200
        assert client_for(other_instructor).get(link).status_code == 403

    def test_signing_out_everywhere_ends_the_links(self, link, learner):
        learner.set_password("A-new-password-2026")
        learner.save()

        assert client_for().get(link).status_code == 403

    def test_a_deactivated_account_loses_its_links(self, link, learner):
        learner.is_active = False
        learner.save()

        assert client_for().get(link).status_code == 403

    def test_access_is_checked_again_when_used(self, link, learner, with_video):
        revoke_enrollment(learner=learner, course=with_video.module.course)

        assert client_for().get(link).status_code == 403

    def test_a_deleted_lesson_ends_the_link(self, link, with_video):
        with_video.delete()

        assert client_for().get(link).status_code == 404

    def test_a_hidden_draft_ends_an_outsiders_preview_link(self, with_video):
        Lesson.objects.filter(pk=with_video.pk).update(is_preview=True)
        preview = urls_for(AnonymousUser(), with_video)["video"]
        assert client_for().get(preview).status_code == 200

        type(with_video.module.course).objects.filter(pk=with_video.module.course_id).update(
            status=CourseStatus.DRAFT
        )

        assert client_for().get(preview).status_code == 404

    def test_a_preview_link_works_in_anyones_session(self, with_video, learner):
        Lesson.objects.filter(pk=with_video.pk).update(is_preview=True)
        preview = urls_for(AnonymousUser(), with_video)["video"]

        assert client_for(learner).get(preview).status_code == 200

    def test_a_replaced_file_ends_its_old_links(self, link, with_video, instructor, learner):
        legacy_video(with_video, WEBM, "webm")

        assert client_for().get(link).status_code == 404
        fresh = urls_for(learner, with_video)["video"]
        response = client_for().get(fresh)
        assert response["Content-Type"] == "video/webm"
        assert body_of(response) == WEBM

    def test_a_missing_file_is_not_found(self, link, with_video):
        Path(with_video.video_file.path).unlink()

        assert client_for().get(link).status_code == 404


@pytest.mark.django_db
class TestSignedResourceLink:
    def test_a_resource_file_downloads_as_an_attachment(self, course, learner):
        lesson = LessonFactory(module=ModuleFactory(course=course))
        resource = Resource(lesson=lesson, title="Cheat sheet", content_type="application/pdf")
        resource.file.save("r.pdf", ContentFile(b"%PDF-1.4 tiny"), save=True)
        enroll(learner, course)

        url = queries.resource_media_url(learner, resource)
        response = client_for().get(url, headers={"Range": "bytes=0-3"})

        assert response.status_code == 206
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="Cheat sheet.pdf"'
        assert body_of(response) == b"%PDF"

    def test_no_link_for_a_web_link_or_someone_not_enrolled(self, course, learner):
        lesson = LessonFactory(module=ModuleFactory(course=course))
        web = Resource.objects.create(lesson=lesson, title="Site", url="https://example.com")
        stored = Resource(lesson=lesson, title="File", content_type="application/pdf")
        stored.file.save("r.pdf", ContentFile(b"%PDF-1.4"), save=True)

        assert queries.resource_media_url(learner, web) is None
        assert queries.resource_media_url(learner, stored) is None


# --- nothing gated under /media/ -------------------------------------------------------------
@pytest.mark.django_db
class TestPublicMedia:
    @pytest.mark.parametrize(
        "prefix", ["/media/", "/media/thumbnails/../", "/media/./", "/media//"]
    )
    def test_lesson_files_are_not_served_under_media(self, with_video, prefix):
        name = with_video.video_file.name

        assert client_for().get(f"{prefix}{name}").status_code == 404

    def test_public_images_still_are(self, settings):
        folder = Path(settings.MEDIA_ROOT) / "thumbnails"
        folder.mkdir(parents=True)
        (folder / "a.jpg").write_bytes(b"\xff\xd8\xff jpeg")

        assert client_for().get("/media/thumbnails/a.jpg").status_code == 200


# --- the studio's upload forms ---------------------------------------------------------------
@pytest.mark.django_db
class TestStudioUploads:
    def test_the_lesson_page_offers_the_uploads(self, video_lesson, instructor):
        page = client_for(instructor).get(f"/studio/lessons/{video_lesson.pk}/")

        html = page.content.decode()
        assert f'action="/studio/lessons/{video_lesson.pk}/video/"' in html
        assert f'action="/studio/lessons/{video_lesson.pk}/subtitles/"' in html

    def test_upload_and_remove_a_video(self, video_lesson, instructor):
        browser = client_for(instructor)
        url = f"/studio/lessons/{video_lesson.pk}/video/"

        response = browser.post(url, {"file": SimpleUploadedFile("a.mp4", MP4)})

        assert response.status_code == 302
        assert response["Location"].endswith(f"/studio/lessons/{video_lesson.pk}/#lesson-media")
        video_lesson.refresh_from_db()
        assert video_lesson.video.status == "processing"
        page = browser.get(f"/studio/lessons/{video_lesson.pk}/").content.decode()
        assert "The video file is uploaded" in page
        assert "media-signed" not in page  # the original is not played back
        browser.post(url, {"action": "remove"})
        video_lesson.refresh_from_db()
        assert video_lesson.video is None

    def test_a_refused_file_is_explained(self, video_lesson, instructor):
        browser = client_for(instructor)

        browser.post(
            f"/studio/lessons/{video_lesson.pk}/subtitles/",
            {"file": SimpleUploadedFile("a.vtt", b"not subtitles")},
        )

        page = browser.get(f"/studio/lessons/{video_lesson.pk}/").content.decode()
        assert "The subtitles file was not saved" in page
        video_lesson.refresh_from_db()
        assert not video_lesson.subtitle_file

    def test_no_file_chosen(self, video_lesson, instructor):
        browser = client_for(instructor)

        browser.post(f"/studio/lessons/{video_lesson.pk}/video/", {})

        page = browser.get(f"/studio/lessons/{video_lesson.pk}/").content.decode()
        assert "Choose a video file to upload." in page

    def test_others_cannot_upload(self, video_lesson, other_instructor, learner):
        for person in (other_instructor, learner):
            response = client_for(person).post(
                f"/studio/lessons/{video_lesson.pk}/video/",
                {"file": SimpleUploadedFile("a.mp4", MP4)},
            )
            assert response.status_code == 404
        assert client_for().post(f"/studio/lessons/{video_lesson.pk}/video/").status_code == 302

    def test_a_draft_course_can_get_its_video_too(self, instructor):
        lesson = LessonFactory(
            module=ModuleFactory(course=DraftCourseFactory(owner=instructor)),
            type=LessonType.VIDEO,
        )

        response = upload(api_for(instructor), lesson, "video", MP4)

        assert response.status_code == 202
