"""Videos uploaded before the pipeline: the upgrade's migration queues one video per stored
file (lessons of duplicated courses share theirs); they keep playing as they are until the
worker has converted them, then play the stream."""

import importlib

import pytest
from django.apps import apps
from django.core.files.base import ContentFile

from agora.catalog import services
from agora.catalog.models import Lesson
from agora.catalog.queries import lesson_media_urls
from agora.core.models import Job
from agora.media import processing
from agora.media.models import Video
from tests.catalog.factories import enroll

migration = importlib.import_module("agora.catalog.migrations.0008_lesson_video")


@pytest.mark.django_db
def test_existing_uploads_are_queued_and_play_until_converted(
    video_lesson, instructor, learner, clips
):
    from agora.catalog.services.files import _replace_lesson_file

    _replace_lesson_file(video_lesson, "video", "video.mp4", ContentFile(clips["small"]))
    copy = services.duplicate_course(user=instructor, course=video_lesson.module.course)
    copied = Lesson.objects.get(module__course=copy)
    enroll(learner, video_lesson.module.course)

    migration.queue_existing_videos(apps, None)

    video = Video.objects.get()
    assert video.source == Lesson.objects.get(pk=video_lesson.pk).video_file.name
    assert set(Lesson.objects.filter(video=video).values_list("pk", flat=True)) == {
        video_lesson.pk,
        copied.pk,
    }
    job = Job.objects.get()
    assert (job.task, job.queue, job.kwargs) == (
        "agora.media.tasks.process_video",
        "video",
        {"video_id": video.pk},
    )
    waiting = lesson_media_urls(learner, Lesson.objects.get(pk=video_lesson.pk))
    assert waiting["video"].startswith("/media-signed/")  # the upload plays as before
    assert waiting["hls"] is None

    assert processing.process(video_id=video.pk) == "ready"

    converted = lesson_media_urls(learner, Lesson.objects.get(pk=video_lesson.pk))
    assert converted["hls"].startswith("/media-hls/")
    assert converted["video"] is None
    assert Lesson.objects.get(pk=copied.pk).duration_seconds == 2
    migration.queue_existing_videos(apps, None)  # running it again adds nothing
    assert Video.objects.count() == 1
