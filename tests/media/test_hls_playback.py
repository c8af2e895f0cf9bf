"""Signed HLS playback: the master playlist, the variant playlists and the segments of a
processed video are served under one signed, expiring, per-viewer link that checks access
on every request; outsiders, expired links and tampered signatures get nothing, and the
original upload is never served."""

import re
import subprocess
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile

from agora.catalog import services
from agora.catalog.queries import lesson_media_urls
from agora.learning.services import revoke_enrollment
from agora.media import processing
from agora.media import signing as media_signing
from agora.media.hls import with_timestamp_map
from agora.media.models import Video
from tests.catalog.factories import enroll
from tests.conftest import client_for
from tests.media.conftest import fetch
from tests.media.test_video_pipeline import post_file

VTT = "WEBVTT\n\n00:00.000 --> 00:01.500\nHello\n"


def playlist_entries(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@pytest.fixture
def clip_name() -> str:
    return "small"  # one 180p rendition: quick to make


@pytest.fixture
def ready(video_lesson, instructor_api, clips, clip_name, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert post_file(instructor_api, video_lesson, clips[clip_name]).status_code == 202
    video_lesson.refresh_from_db()
    assert video_lesson.video.status == "ready"
    return video_lesson


@pytest.fixture
def hls_url(ready, learner, learner_api):
    enroll(learner, ready.module.course)
    return learner_api.get(f"/lessons/{ready.pk}/video").json()["hls_url"]


def token_of(url: str) -> str:
    return url.split("/")[2]


@pytest.mark.django_db
class TestPlayback:
    @pytest.mark.parametrize("clip_name", ["720p"])
    def test_the_whole_stream_plays_without_a_session(self, hls_url):
        player = client_for()  # a mobile app's player: the link alone

        master = player.get(hls_url)

        assert master.status_code == 200
        assert master["Content-Type"] == "application/vnd.apple.mpegurl"
        assert master["Cache-Control"] == "private, no-store"
        text = master.content.decode()
        assert text.startswith("#EXTM3U")
        assert "RESOLUTION=640x360" in text
        assert "RESOLUTION=1280x720" in text
        assert playlist_entries(text) == ["360p/index.m3u8", "720p/index.m3u8"]
        base = hls_url.rsplit("/", 1)[0]
        for variant in playlist_entries(text):
            playlist = player.get(f"{base}/{variant}")
            assert playlist.status_code == 200
            assert "#EXT-X-ENDLIST" in playlist.content.decode()
            segments = playlist_entries(playlist.content.decode())
            assert segments
            folder = variant.rsplit("/", 1)[0]
            segment = fetch(player, f"{base}/{folder}/{segments[0]}")
            assert segment.status_code == 200
            assert segment.headers["Content-Type"] == "video/mp2t"
            data = segment.content
            assert data[0] == 0x47  # an MPEG transport stream's sync byte
            assert len(data) > 10_000

    def test_segments_answer_byte_ranges(self, hls_url):
        base = hls_url.rsplit("/", 1)[0]

        response = fetch(client_for(), f"{base}/180p/seg_00000.ts", Range="bytes=0-187")

        assert response.status_code == 206
        data = response.content
        assert data[0] == 0x47
        assert len(data) == 188

    def test_object_storage_serves_segments_through_short_signed_urls(self, hls_url, media_storage):
        base = hls_url.rsplit("/", 1)[0]

        response = client_for().get(f"{base}/180p/seg_00000.ts")
        playlist = client_for().get(f"{base}/180p/index.m3u8")

        assert playlist.status_code == 200  # playlists always come from the app
        if media_storage == "local":
            assert response.status_code == 200
            return
        assert response.status_code == 302
        location = response["Location"]
        assert "X-Amz-Signature=" in location
        assert "X-Amz-Expires=600" in location
        assert "/videos/" in location

    def test_the_poster_and_thumbnails(self, ready, learner, learner_api, hls_url):
        body = learner_api.get(f"/lessons/{ready.pk}/video").json()

        poster = fetch(client_for(), body["poster_url"])
        strip = fetch(client_for(), body["thumbnails_url"])

        assert poster.headers["Content-Type"] == "image/jpeg"
        assert poster.content[:3] == b"\xff\xd8\xff"
        cues = strip.content.decode()
        sheet = re.search(r"(sheet_\d{3}\.jpg)#xywh=", cues).group(1)
        picture = fetch(client_for(), body["thumbnails_url"].rsplit("/", 1)[0] + f"/{sheet}")
        assert picture.content[:3] == b"\xff\xd8\xff"

    def test_subtitles_attach_to_the_master_playlist(self, ready, instructor, hls_url):
        services.set_lesson_subtitles(
            user=instructor, lesson=ready, upload=SimpleUploadedFile("s.vtt", VTT.encode())
        )
        base = hls_url.rsplit("/", 1)[0]

        text = client_for().get(hls_url).content.decode()

        assert '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subtitles"' in text
        assert 'URI="subtitles.m3u8"' in text
        assert all(
            line.endswith(',SUBTITLES="subtitles"')
            for line in text.splitlines()
            if line.startswith("#EXT-X-STREAM-INF")
        )
        playlist = client_for().get(f"{base}/subtitles.m3u8").content.decode()
        assert playlist_entries(playlist) == ["subtitles.vtt"]
        served = fetch(client_for(), f"{base}/subtitles.vtt").content.decode()
        # The cues line up with the segments, whose clock ffmpeg starts after zero.
        start = ready.video.stream_start
        assert 0 < start < 5
        mapping = f"X-TIMESTAMP-MAP=MPEGTS:{round(start * 90_000)},LOCAL:00:00:00.000"
        assert served == VTT.replace("WEBVTT\n", f"WEBVTT\n{mapping}\n", 1)


@pytest.mark.parametrize("offset", [0, 10])
def test_a_segments_start_is_read_from_its_headers(tmp_path, offset):
    """ffmpeg starts the clock near 1.4 s (audio a little before, video with B-frames a little
    after); the reading follows the clock wherever it starts."""
    command = [processing.ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    command += ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=24:duration=2"]
    command += ["-f", "lavfi", "-i", "sine=frequency=440:duration=2"]
    command += ["-c:v", "libx264", "-c:a", "aac", "-output_ts_offset", str(offset)]
    command += ["-f", "mpegts", str(tmp_path / "seg.ts")]
    subprocess.run(command, check=True, timeout=60)  # noqa: S603 - our binary

    start = processing.stream_start(tmp_path / "seg.ts")

    assert offset + 1.3 < start < offset + 1.6


def test_a_file_without_timestamps_has_no_start(tmp_path):
    (tmp_path / "seg.ts").write_bytes(b"\x47" + bytes(187) + b"not a transport stream")
    assert processing.stream_start(tmp_path / "seg.ts") is None


@pytest.mark.parametrize(
    ("vtt", "expected"),
    [
        ("WEBVTT\n\n1\n00:01.000 --> 00:02.000\nHi\n", "WEBVTT\n{map}\n\n1\n00:01.000"),
        ("WEBVTT - Course\r\nKind: captions\n\n", "WEBVTT - Course\n{map}\nKind: captions"),
        ("WEBVTT", "WEBVTT\n{map}\n"),
    ],
)
def test_the_timestamp_map_goes_in_the_header(vtt, expected):
    mapping = "X-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000"
    assert with_timestamp_map(vtt, 1.4).startswith(expected.format(map=mapping))


def test_a_file_with_its_own_map_keeps_it():
    own = (
        "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n00:01.000 --> 00:02.000\nHi\n"
    )
    assert with_timestamp_map(own, 1.4) == own

    def test_a_preview_lesson_plays_for_everyone(self, ready):
        type(ready).objects.filter(pk=ready.pk).update(is_preview=True)
        ready.refresh_from_db()

        hls = lesson_media_urls(AnonymousUser(), ready)["hls"]

        assert hls.startswith("/media-hls/")
        assert client_for().get(hls).status_code == 200


@pytest.mark.django_db
class TestRefusals:
    def test_outsiders_get_no_link(self, ready, learner_api, other_api, api):
        assert learner_api.get(f"/lessons/{ready.pk}/video").status_code == 403
        assert other_api.get(f"/lessons/{ready.pk}/video").status_code == 403
        assert api.get(f"/lessons/{ready.pk}/video").status_code == 401

    def test_a_link_is_personal_in_a_browser_session(self, hls_url, other_instructor):
        response = client_for(other_instructor).get(hls_url)

        assert response.status_code == 403

    def test_access_is_checked_on_every_request(self, hls_url, ready, learner):
        base = hls_url.rsplit("/", 1)[0]
        assert fetch(client_for(), f"{base}/180p/seg_00000.ts").status_code == 200

        revoke_enrollment(learner=learner, course=ready.module.course)

        assert client_for().get(hls_url).status_code == 403
        assert client_for().get(f"{base}/180p/index.m3u8").status_code == 403
        assert client_for().get(f"{base}/180p/seg_00000.ts").status_code == 403

    def test_an_expired_link_gets_nothing(self, hls_url, monkeypatch, settings):
        base = hls_url.rsplit("/", 1)[0]
        now = time.time()
        monkeypatch.setattr(signing.time, "time", lambda: now + settings.SIGNED_MEDIA_MAX_AGE + 5)

        assert client_for().get(hls_url).status_code == 403
        assert client_for().get(f"{base}/180p/seg_00000.ts").status_code == 403

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
            lambda token: "x" + token,
            lambda token: "not-a-token",
            lambda token: signing.dumps({"k": "hls", "i": 1}, salt="another.salt"),
        ],
    )
    def test_a_tampered_signature_gets_nothing(self, hls_url, mangle):
        token = token_of(hls_url)

        for path in ("master.m3u8", "180p/index.m3u8", "180p/seg_00000.ts"):
            assert client_for().get(f"/media-hls/{mangle(token)}/{path}").status_code == 403

    def test_a_link_for_another_lesson_is_refused(self, hls_url, ready, learner):
        forged = signing.loads(token_of(hls_url), salt=media_signing.SALT)
        forged["i"] = ready.pk + 1000
        token = signing.dumps(forged, salt=media_signing.SALT, compress=True)

        assert client_for().get(f"/media-hls/{token}/master.m3u8").status_code == 404

    def test_the_original_and_other_files_are_never_served(self, hls_url, ready):
        base = hls_url.rsplit("/", 1)[0]
        video = Video.objects.get()
        source_name = video.source.rsplit("/", 1)[-1]

        for path in (
            source_name,
            f"../sources/{source_name}",
            "../source.mp4",
            "360p/index.m3u8",  # not made: never upscaled
            "1080p/seg_00000.ts",
            "180p/../../sources/x.mp4",
            "180p/seg_1.ts",
            "subtitles.vtt",  # the lesson has none
        ):
            assert client_for().get(f"{base}/{path}").status_code == 404, path
        assert client_for().post(hls_url).status_code == 405

    def test_a_replaced_video_ends_its_old_links(
        self, hls_url, ready, instructor_api, clips, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            post_file(instructor_api, ready, clips["small"])

        assert client_for().get(hls_url).status_code == 404

    def test_signing_out_everywhere_ends_the_links(self, hls_url, learner):
        learner.set_password("A-new-password-2026")
        learner.save()

        assert client_for().get(hls_url).status_code == 403
