"""The video pipeline: a lesson's new video (multipart or a finished tus upload) becomes HLS
renditions suited to it, a poster, a thumbnail strip and a duration, on the `video` queue;
a file ffmpeg cannot read fails cleanly with a reason."""

import pytest
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile

from agora.catalog.models import Lesson
from agora.core.models import Job
from agora.media import processing
from agora.media.models import Upload, Video, VideoStatus
from tests.catalog.factories import enroll
from tests.media.test_tus import create, patch

CORRUPT = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x13\x37" * 5000


def post_file(client, lesson, content, name="lecture.mp4"):
    return client.client.post(
        f"/api/v1/lessons/{lesson.pk}/video",
        data={"file": SimpleUploadedFile(name, content)},
        headers=client._headers(None),
    )


def post_upload(client, lesson, upload_id):
    return client.post(f"/lessons/{lesson.pk}/video", {"upload_id": upload_id})


def tus_upload(client, content: bytes, chunk: int = 40_000) -> str:
    location = create(client, length=len(content))["Location"]
    for offset in range(0, len(content), chunk):
        assert patch(client, location, offset, content[offset : offset + chunk]).status_code == 204
    return location.rsplit("/", 1)[-1]


def files_under(prefix: str) -> list[str]:
    return sorted(name.removeprefix(prefix) for name in processing.stored_files(prefix))


@pytest.mark.django_db
class TestProcessing:
    def test_a_720p_clip_becomes_hls_renditions_without_upscaling(
        self, video_lesson, instructor_api, clips, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_file(instructor_api, video_lesson, clips["720p"])

        assert response.status_code == 202, response.content
        assert response.json() == {"status": "processing"}
        body = instructor_api.get(f"/lessons/{video_lesson.pk}/video").json()
        assert body["status"] == "ready", body
        assert body["progress"] == 100
        assert body["error"] is None
        assert body["duration_seconds"] == pytest.approx(3.0, abs=0.1)
        assert body["renditions"] == [
            {"name": "360p", "width": 640, "height": 360, "bandwidth": 896_000},
            {"name": "720p", "width": 1280, "height": 720, "bandwidth": 2_928_000},
        ]
        assert body["hls_url"].startswith("/media-hls/")
        assert body["hls_url"].endswith("/master.m3u8")
        assert body["poster_url"].endswith("/poster.jpg")
        assert body["thumbnails_url"].endswith("/thumbs/thumbnails.vtt")
        video = Video.objects.get()
        stored = files_under(video.hls_prefix)
        assert {"master.m3u8", "360p/index.m3u8", "720p/index.m3u8", "poster.jpg"} <= set(stored)
        assert "360p/seg_00000.ts" in stored
        assert "720p/seg_00000.ts" in stored
        assert "thumbs/sheet_001.jpg" in stored
        with default_storage.open(f"{video.hls_prefix}poster.jpg", "rb") as poster:
            assert poster.read(3) == b"\xff\xd8\xff"
        with default_storage.open(f"{video.hls_prefix}thumbs/thumbnails.vtt", "rb") as strip:
            cues = strip.read().decode()
        assert cues.startswith("WEBVTT")
        assert "00:00:00.000 --> 00:00:01.000\nsheet_001.jpg#xywh=0,0,160,90" in cues
        assert "sheet_001.jpg#xywh=320,0,160,90" in cues  # the third second
        video_lesson.refresh_from_db()
        assert video_lesson.video_id == video.pk
        assert video_lesson.duration_seconds == 3
        # The original is kept (for processing again) but never in the served folder.
        assert default_storage.exists(video.source)
        assert not video.source.startswith(video.hls_prefix)

    def test_the_job_runs_on_its_own_queue(
        self, video_lesson, instructor_api, clips, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            post_file(instructor_api, video_lesson, clips["small"])

        job = Job.objects.get(task="agora.media.tasks.process_video")
        assert job.queue == "video"
        assert job.kwargs == {"video_id": Video.objects.get().pk}
        assert job.done_at is not None

    def test_a_source_smaller_than_the_ladder_keeps_its_size(
        self, video_lesson, instructor_api, clips, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            post_file(instructor_api, video_lesson, clips["small"])

        body = instructor_api.get(f"/lessons/{video_lesson.pk}/video").json()
        assert body["status"] == "ready"
        assert [(r["name"], r["width"], r["height"]) for r in body["renditions"]] == [
            ("180p", 320, 180)
        ]

    def test_a_clip_without_sound(
        self, video_lesson, instructor_api, clips, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            post_file(instructor_api, video_lesson, clips["360p"])

        body = instructor_api.get(f"/lessons/{video_lesson.pk}/video").json()
        assert body["status"] == "ready"
        assert [r["name"] for r in body["renditions"]] == ["360p"]
        assert body["duration_seconds"] == pytest.approx(2.0, abs=0.1)

    def test_a_corrupt_file_fails_cleanly_with_a_reason(
        self, video_lesson, instructor_api, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_file(instructor_api, video_lesson, CORRUPT)

        assert response.status_code == 202  # the first bytes look like an MP4
        body = instructor_api.get(f"/lessons/{video_lesson.pk}/video").json()
        assert body["status"] == "failed"
        assert "no video we can read" in body["error"]
        assert body["hls_url"] is None
        assert body["renditions"] == []
        video = Video.objects.get()
        assert video.hls_prefix == ""
        assert files_under(f"videos/{video.pk}/") == []
        assert Job.objects.get().done_at is not None  # not retried: it would fail again

    def test_a_transient_storage_failure_is_retried(
        self, video_lesson, instructor_api, clips, monkeypatch
    ):
        video = Video.objects.create(owner=video_lesson.module.course.owner, source="", upload=None)
        source = default_storage.save(
            "videos/sources/test.mp4", SimpleUploadedFile("x", clips["small"])
        )
        Video.objects.filter(pk=video.pk).update(source=source)
        storage_class = type(storages["default"])
        real_save = storage_class.save
        calls = {"count": 0}

        def flaky_save(storage, name, content, *args, **kwargs):
            calls["count"] += 1
            if calls["count"] == 1:
                raise ConnectionResetError("storage went away")
            return real_save(storage, name, content, *args, **kwargs)

        monkeypatch.setattr(storage_class, "save", flaky_save)
        with pytest.raises(ConnectionResetError):
            processing.process(video_id=video.pk)
        video.refresh_from_db()
        assert video.status == VideoStatus.PROCESSING  # still to do, not failed

        assert processing.process(video_id=video.pk) == VideoStatus.READY
        video.refresh_from_db()
        assert video.status == VideoStatus.READY

    def test_the_task_fails_the_video_after_its_last_retry(self, video_lesson, monkeypatch):
        from agora.media import tasks

        video = Video.objects.create(owner=video_lesson.module.course.owner, source="gone.mp4")

        def unavailable(**kwargs):
            raise ConnectionRefusedError("object storage is down")

        monkeypatch.setattr(processing, "process", unavailable)
        result = tasks.process_video.apply(
            kwargs={"video_id": video.pk}, retries=tasks.VIDEO_MAX_RETRIES
        )

        assert result.get() == "failed"
        video.refresh_from_db()
        assert video.status == VideoStatus.FAILED
        assert "several times" in video.error

    def test_a_resumable_upload_becomes_the_lessons_video(
        self, video_lesson, instructor_api, instructor, clips, django_capture_on_commit_callbacks
    ):
        upload_id = tus_upload(instructor_api, clips["small"])
        parts = Upload.objects.get().parts
        assert len(parts) > 1

        with django_capture_on_commit_callbacks(execute=True):
            response = post_upload(instructor_api, video_lesson, upload_id)

        assert response.status_code == 202, response.content
        body = instructor_api.get(f"/lessons/{video_lesson.pk}/video").json()
        assert body["status"] == "ready"
        assert body["duration_seconds"] == pytest.approx(2.0, abs=0.1)
        video = Video.objects.get()
        with default_storage.open(video.source, "rb") as source:
            assert source.read() == clips["small"]  # the parts, joined in order
        assert not Upload.objects.exists()
        assert not any(default_storage.exists(name) for name in parts)
        assert video.source_bytes == len(clips["small"])

    def test_a_replaced_video_is_removed(
        self, video_lesson, instructor_api, clips, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            post_file(instructor_api, video_lesson, clips["small"])
        first = Video.objects.get()
        first_files = list(processing.stored_files(f"videos/{first.pk}/"))
        assert first_files

        with django_capture_on_commit_callbacks(execute=True):
            post_file(instructor_api, video_lesson, clips["360p"])

        assert not Video.objects.filter(pk=first.pk).exists()
        assert not any(default_storage.exists(name) for name in first_files)
        assert not default_storage.exists(first.source)
        assert Lesson.objects.get(pk=video_lesson.pk).video.status == VideoStatus.READY


@pytest.mark.django_db
class TestRefusals:
    def test_only_the_course_instructors_post(
        self, video_lesson, other_api, learner, learner_api, api, clips
    ):
        enroll(learner, video_lesson.module.course)

        assert post_file(other_api, video_lesson, clips["small"]).status_code == 404
        assert post_file(learner_api, video_lesson, clips["small"]).status_code == 404
        assert post_file(api, video_lesson, clips["small"]).status_code == 401
        assert not Video.objects.exists()

    def test_someone_elses_upload_is_not_found(
        self, video_lesson, instructor_api, other_api, clips
    ):
        upload_id = tus_upload(other_api, clips["small"])

        response = post_upload(instructor_api, video_lesson, upload_id)

        assert response.status_code == 404
        assert not Video.objects.exists()
        assert Upload.objects.get().used_at is None

    def test_an_unfinished_upload_is_a_conflict(self, video_lesson, instructor_api, clips):
        location = create(instructor_api, length=len(clips["small"]))["Location"]
        patch(instructor_api, location, 0, clips["small"][:1000])

        response = post_upload(instructor_api, video_lesson, location.rsplit("/", 1)[-1])

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "upload_incomplete"
        assert not Video.objects.exists()

    def test_an_upload_makes_one_video_only(
        self, video_lesson, instructor_api, clips, course, django_capture_on_commit_callbacks
    ):
        from tests.catalog.factories import LessonFactory, ModuleFactory

        upload_id = tus_upload(instructor_api, clips["small"])
        other_lesson = LessonFactory(module=ModuleFactory(course=course), type="video")
        with django_capture_on_commit_callbacks(execute=False):
            assert post_upload(instructor_api, video_lesson, upload_id).status_code == 202

        assert post_upload(instructor_api, other_lesson, upload_id).status_code == 404
        assert Video.objects.count() == 1

    @pytest.mark.parametrize(
        ("body", "status"),
        [({}, 422), ({"upload_id": 5}, 422), ([], 422), ({"upload_id": "nope"}, 404)],
    )
    def test_bad_bodies(self, video_lesson, instructor_api, body, status):
        response = instructor_api.post(f"/lessons/{video_lesson.pk}/video", body)

        assert response.status_code == status, response.content
        assert not Video.objects.exists()

    def test_other_content_is_refused(self, video_lesson, instructor_api):
        response = post_file(instructor_api, video_lesson, b"MZ\x90\x00" + b"\x00" * 500)

        assert response.status_code == 422
        assert "MP4" in response.json()["error"]["fields"]["file"][0]
        assert not Video.objects.exists()

    def test_the_quota_applies_to_multipart_files(
        self, video_lesson, instructor_api, clips, settings
    ):
        settings.MEDIA_UPLOAD_QUOTA_BYTES = len(clips["small"]) - 1

        response = post_file(instructor_api, video_lesson, clips["small"])

        assert response.status_code == 413
        assert not Video.objects.exists()

    def test_status_is_for_those_who_may_watch(
        self,
        video_lesson,
        instructor_api,
        other_api,
        learner,
        learner_api,
        api,
        clips,
        django_capture_on_commit_callbacks,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            post_file(instructor_api, video_lesson, clips["small"])
        url = f"/lessons/{video_lesson.pk}/video"

        assert learner_api.get(url).status_code == 403
        assert learner_api.get(url).json()["error"]["code"] == "enrollment_required"
        assert api.get(url).status_code == 401
        enroll(learner, video_lesson.module.course)
        assert learner_api.get(url).json()["status"] == "ready"

    def test_a_lesson_without_a_video(self, video_lesson, instructor_api):
        response = instructor_api.get(f"/lessons/{video_lesson.pk}/video")

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "no_video"
