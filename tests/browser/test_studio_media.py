"""In Chromium: dragging a lesson into another module, uploading a lesson video that then
plays (and seeks, through HTTP ranges) from a signed link, and an admin featuring a course."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from agora.catalog.models import Course, Lesson, LessonType, Module
from tests.accounts.factories import UserFactory
from tests.browser.test_catalog import sign_in
from tests.catalog.factories import CourseFactory, InstructorFactory, LessonFactory, ModuleFactory
from tests.media.conftest import s3_endpoint  # noqa: F401 - a fixture

DEMO = Path(__file__).resolve().parents[2] / "static" / "agora" / "demo"

pytestmark = pytest.mark.browser

# Two seconds of VP8 test pattern, 64x48 (made with the ffmpeg that imageio-ffmpeg ships).
CLIP = Path(__file__).parent / "data" / "clip.webm"


@pytest.fixture
def teacher(transactional_db: Any) -> Any:
    return InstructorFactory(email="teacher@example.com", name="Tess Teacher")


def drag(page: Any, handle: Any, target: Any) -> None:
    """Drags by the handle onto the target in small steps, as SortableJS expects."""
    box, goal = handle.bounding_box(), target.bounding_box()
    start_x, start_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    end_x, end_y = goal["x"] + 40, goal["y"] + goal["height"] / 2
    page.mouse.move(start_x, start_y)
    page.mouse.down()
    steps = 40
    for step in range(1, steps + 1):
        page.mouse.move(
            start_x + (end_x - start_x) * step / steps, start_y + (end_y - start_y) * step / steps
        )
        page.wait_for_timeout(15)
    page.mouse.up()


def test_drag_a_lesson_into_another_module(page, live_server, teacher, screenshot):
    course = CourseFactory(owner=teacher, title="Ropework")
    first = ModuleFactory(course=course, title="Knots")
    second = ModuleFactory(course=course, title="Splices")
    bowline = LessonFactory(module=first, title="The bowline")
    LessonFactory(module=first, title="The hitch")
    eye = LessonFactory(module=second, title="Eye splice")
    sign_in(page, teacher.email)
    page.set_viewport_size({"width": 1280, "height": 1600})  # both modules in view
    page.goto(f"/studio/courses/{course.pk}/curriculum/")

    drag(
        page,
        page.locator(f"#lesson-{bowline.pk} .lesson-handle"),
        page.locator(f"#lesson-{eye.pk}"),
    )

    status = page.locator("#reorder-status")
    status.filter(has_text="Moved “The bowline” to “Splices”").wait_for()
    moved = Lesson.objects.get(pk=bowline.pk)
    assert moved.module_id == second.pk
    assert list(Lesson.objects.filter(module=first).values_list("title", "position")) == [
        ("The hitch", 1)
    ]
    assert sorted(Lesson.objects.filter(module=second).values_list("position", flat=True)) == [
        1,
        2,
    ]
    screenshot(page, "studio-lesson-moved")

    # The emptied module shows its empty state; the page agrees with the database.
    drag(
        page,
        page.locator(f"#lesson-{Lesson.objects.get(title='The hitch').pk} .lesson-handle"),
        page.locator(f"#lesson-{eye.pk}"),
    )
    status.filter(has_text="Moved “The hitch” to “Splices”").wait_for()
    assert page.locator(f"#module-{first.pk} .lesson-empty").inner_text() == "No lessons yet."
    page.reload()
    shown = page.locator(f"#module-{second.pk} .lesson-link").all_inner_texts()
    stored = list(
        Lesson.objects.filter(module=second).order_by("position").values_list("title", flat=True)
    )
    assert shown == stored
    assert Module.objects.get(pk=first.pk).lessons.count() == 0


@pytest.fixture
def mp4_clip(tmp_path) -> Path:
    """Four seconds of H.264 test pattern with a tone, as a phone or camera would upload."""
    from tests.media.conftest import make_clip

    return make_clip(tmp_path / "tacking.mp4", width=320, height=180, seconds=4)


@pytest.fixture(params=["local", "s3"])
def media_storage(request, settings, live_server) -> str | None:
    """Where uploads, originals and renditions are stored: local disk, or object storage
    (moto's S3 server on loopback), which the browser then reads segments from directly."""
    if request.param == "local":
        return None
    from tests.media.conftest import new_bucket, s3_storage_settings

    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = new_bucket(endpoint, cors_origin=live_server.url)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(endpoint, bucket)}
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {  # STORAGE_PUBLIC_ORIGINS, as production derives it
        "DIRECTIVES": {
            **directives,
            **{
                name: [*directives[name], endpoint]
                for name in ("img-src", "connect-src", "media-src")
            },
        }
    }
    return endpoint


def test_upload_a_video_with_tus_then_stream_and_seek_it(
    page, live_server, teacher, screenshot, mp4_clip, monkeypatch, settings, media_storage
):
    from agora.media import processing
    from agora.media import services as media_services
    from agora.media.models import Upload, Video
    from tests.browser.conftest import browsing
    from tests.catalog.factories import enroll

    # The video job is run here, by the test, once the page shows it waiting (the suite
    # otherwise runs jobs inline, before the page could show the processing bar).
    queued: list[int] = []
    monkeypatch.setattr(media_services, "_queue", lambda video: queued.append(video.pk))
    course = CourseFactory(owner=teacher, title="Sailing")
    lesson = LessonFactory(
        module=ModuleFactory(course=course), title="Tacking", type=LessonType.VIDEO, body=""
    )
    # The file goes in six pieces. The second stalls on the network until the teacher
    # pauses; after resuming, the connection drops while the third is sent, and the client
    # carries on from the last byte the server has.
    size = mp4_clip.stat().st_size
    settings.MEDIA_UPLOAD_CHUNK_BYTES = chunk = size // 6 + 1
    sign_in(page, teacher.email)
    page.goto(f"/studio/lessons/{lesson.pk}/")
    patches: list[int] = []

    def network(route: Any) -> None:
        if route.request.method != "PATCH":
            route.continue_()
            return
        patches.append(int(route.request.headers["upload-offset"]))
        if len(patches) == 2:
            return  # stalled: never answered
        if len(patches) == 4:
            route.abort("connectionreset")
            return
        route.continue_()

    page.route("**/api/v1/uploads/**", network)
    page.get_by_label("Video file", exact=True).set_input_files(str(mp4_clip))
    page.get_by_role("button", name="Upload video").click()

    progress = page.locator("#video-upload-progress")
    progress.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('#video-upload-bar').value > 0")
    while len(patches) < 2:
        page.wait_for_timeout(50)
    assert Upload.objects.get().offset == chunk
    page.get_by_role("button", name="Pause").click()
    assert progress.locator("[data-upload-note]").inner_text() == "Paused."
    resume = page.get_by_role("button", name="Resume")
    assert resume.is_visible()
    screenshot(page, "studio-video-upload-paused")
    page.wait_for_timeout(300)
    assert Upload.objects.get().offset == chunk  # nothing moves while paused
    resume.click()

    # The processing bar once every byte is there and the page reloads.
    processing_bar = page.locator("#video-processing progress")
    processing_bar.wait_for(state="visible")
    assert page.locator(".flash-success").inner_text().startswith("The video file is uploaded")
    video = Video.objects.get()
    assert queued == [video.pk]
    assert video.upload is not None  # it came through tus, not a form post
    assert video.upload.offset == video.upload.length == size
    # Each piece's offset: the stalled second piece is sent again on resume, the dropped
    # third one again at once.
    assert patches == [0, chunk, chunk, 2 * chunk, 2 * chunk, 3 * chunk, 4 * chunk, 5 * chunk]
    screenshot(page, "studio-video-processing")

    assert processing.process(video_id=video.pk) == "ready"

    page.locator("#video-ready").wait_for(timeout=15_000)  # the page polls, then reloads
    assert "180p" in page.locator("#video-ready").inner_text()
    assert page.locator("#studio-video").get_attribute("data-hls").startswith("/media-hls/")
    assert not Upload.objects.exists()
    screenshot(page, "studio-video-ready")

    lesson.refresh_from_db()  # the studio has given it the video meanwhile
    lesson.subtitle_file.save("clip.vtt", ContentFile((DEMO / "demo-lesson.vtt").read_bytes()))
    learner = UserFactory(email="lena@example.com")
    enroll(learner, course)
    with browsing(
        page.context.browser, live_server, viewport={"width": 1366, "height": 900}
    ) as watching:
        from_storage: list[str] = []
        watching.on(
            "response",
            lambda response: (
                from_storage.append(response.url)
                if media_storage and response.url.startswith(media_storage)
                else None
            ),
        )
        sign_in(watching, learner.email)
        watching.goto(f"/learn/{course.slug}/lessons/{lesson.pk}/")
        player = watching.locator("#lesson-video")
        player.wait_for()
        duration = player.evaluate(
            """(video) => new Promise((resolve, reject) => {
                const done = () => resolve(video.duration);
                if (video.readyState >= 1 && video.duration) return done();
                video.addEventListener("loadedmetadata", done, {once: true});
                video.addEventListener("error", () => reject(new Error("video error")));
            })"""
        )
        assert 3.5 < duration < 4.5
        assert player.evaluate("(video) => video.src.startsWith('blob:')")  # hls.js (MSE)
        seeked = player.evaluate(
            """(video) => new Promise((resolve) => {
                video.addEventListener("seeked", () => resolve(video.currentTime), {once: true});
                video.currentTime = 3;
            })"""
        )
        assert seeked == pytest.approx(3, abs=0.5)
        # The subtitles show once: the page's <track>, not also hls.js's copy of them.
        showing = "(video) => Array.from(video.textTracks).filter((t) => t.mode === 'showing')"
        assert player.evaluate(f"{showing}.map((t) => t.label)") == ["English"]
        quality = watching.get_by_label("Video quality")
        quality.locator("option", has_text="180p").wait_for(state="attached")
        assert quality.locator("option").all_inner_texts() == ["Auto", "180p"]
        watching.get_by_label("Playback speed").select_option("1.5")
        assert player.evaluate("(video) => video.playbackRate") == 1.5
        mark = watching.locator(".video-watermark")
        assert mark.inner_text() == "lena@example.com"
        assert mark.is_visible()
        screenshot(watching, "player-hls-watermark")
        if media_storage:  # the segments came from object storage, the playlists from us
            assert any(url.split("?")[0].endswith(".ts") for url in from_storage)
            assert not any(".m3u8" in url for url in from_storage)


def test_an_admin_features_a_course(page, live_server, transactional_db):
    UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    course = CourseFactory(title="Celestial Navigation")
    sign_in(page, "admin@example.com")

    page.goto("/review/?tab=published")
    item = page.locator(f"#course-{course.pk}")
    with page.expect_navigation():
        item.get_by_role("button", name="Feature on the home page “Celestial Navigation”").click()

    assert "is featured on the home page" in page.locator(".flash-success").inner_text()
    assert Course.objects.get(pk=course.pk).is_featured
    page.goto("/")
    featured = page.locator("section[aria-labelledby=row-featured]")
    assert "Celestial Navigation" in featured.inner_text()
