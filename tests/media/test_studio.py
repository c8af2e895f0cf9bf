"""The studio's side of the pipeline: a finished resumable upload becomes the lesson's video
from the page (session + CSRF), and the processing bar's status answers only the editors."""

import pytest
from django.test import Client

from agora.media.models import Video
from tests.conftest import client_for
from tests.media.test_video_pipeline import tus_upload


@pytest.mark.django_db
class TestStudio:
    def test_the_page_makes_the_video_from_a_finished_upload(
        self, video_lesson, instructor, instructor_api, clips, django_capture_on_commit_callbacks
    ):
        upload_id = tus_upload(instructor_api, clips["small"])
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(instructor)
        browser.get(f"/studio/lessons/{video_lesson.pk}/")
        token = browser.cookies["csrftoken"].value

        with django_capture_on_commit_callbacks(execute=True):
            response = browser.post(
                f"/studio/lessons/{video_lesson.pk}/video/",
                {"upload_id": upload_id},
                headers={"X-CSRFToken": token},
            )

        assert response.status_code == 302
        status = browser.get(f"/studio/lessons/{video_lesson.pk}/video/status/").json()
        assert status == {"status": "ready", "progress": 100, "error": None}
        page = browser.get(f"/studio/lessons/{video_lesson.pk}/").content.decode()
        assert 'id="video-ready"' in page
        assert 'data-hls="/media-hls/' in page

    def test_the_status_is_for_the_editors_only(
        self, video_lesson, instructor, other_instructor, learner
    ):
        video = Video.objects.create(owner=instructor, source="x.mp4", progress=40)
        type(video_lesson).objects.filter(pk=video_lesson.pk).update(video=video)
        url = f"/studio/lessons/{video_lesson.pk}/video/status/"

        assert client_for(instructor).get(url).json() == {
            "status": "processing",
            "progress": 40,
            "error": None,
        }
        assert client_for(other_instructor).get(url).status_code == 404
        assert client_for(learner).get(url).status_code == 404
        assert client_for().get(url).status_code == 302  # to the sign-in page
        page = client_for(instructor).get(f"/studio/lessons/{video_lesson.pk}/").content.decode()
        assert 'id="video-processing"' in page
        assert 'value="40"' in page
