"""Serving a ready video's HLS folder behind one signed token: the master playlist (with the
lesson's subtitles attached), the variant playlists, the segments, the poster and the
thumbnail strip. Playlists name their files relatively, so every request stays under the
token, and each one checks the link and the viewer's access again (views.serve_hls).

Playlists are always answered by the app. Segments and pictures are streamed from local disk
or, on object storage, redirected to the storage's own signed, expiring URL (a CDN in front).
"""

import math
import re

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from agora.media.models import Video
from agora.media.serving import stored_response
from agora.media.signing import Playable

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
_FILES = {
    "poster.jpg": "image/jpeg",
    "thumbs/thumbnails.vtt": "text/vtt; charset=utf-8",
}
_SHEET = re.compile(r"^thumbs/sheet_\d{3}\.jpg$")
_VARIANT = re.compile(r"^(?P<rendition>\d{2,4}p)/(?P<file>index\.m3u8|seg_\d{5}\.ts)$")
SUBTITLES_GROUP = "subtitles"


def _playlist(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type=PLAYLIST_TYPE)
    # Personal and short-lived: never kept by shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


def _read(name: str) -> str:
    try:
        with default_storage.open(name, "rb") as stored:
            return str(stored.read().decode("utf-8"))
    except FileNotFoundError as exc:
        raise Http404("The file is missing.") from exc


def master_playlist(playable: Playable) -> str:
    """The stored master playlist, with a subtitles rendition when the lesson has one."""
    text = _read(f"{playable.video.hls_prefix}master.m3u8")
    if not playable.subtitles:
        return text
    lines = text.splitlines()
    language = re.sub(r"[^A-Za-z-]", "", playable.language) or "en"
    media = (
        f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{SUBTITLES_GROUP}",NAME="Subtitles",'
        f'LANGUAGE="{language}",DEFAULT=NO,AUTOSELECT=YES,URI="subtitles.m3u8"'
    )
    out = [lines[0], media] if lines else ["#EXTM3U", media]
    for line in lines[1:]:
        if line.startswith("#EXT-X-STREAM-INF:"):
            line = f'{line},SUBTITLES="{SUBTITLES_GROUP}"'
        out.append(line)
    return "\n".join(out) + "\n"


def subtitles_playlist(video: Video) -> str:
    duration = video.duration_seconds or 0
    return "\n".join(
        [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{max(1, math.ceil(duration))}",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            f"#EXTINF:{duration:.3f},",
            "subtitles.vtt",
            "#EXT-X-ENDLIST",
            "",
        ]
    )


def hls_file(request: HttpRequest, playable: Playable, path: str) -> HttpResponseBase:
    """The answer for `path` inside the video's HLS folder; 404 for anything else (the
    original upload is never under it, and never served)."""
    video = playable.video
    prefix = video.hls_prefix
    if path == "master.m3u8":
        return _playlist(master_playlist(playable))
    if path in ("subtitles.m3u8", "subtitles.vtt") and playable.subtitles:
        if path == "subtitles.m3u8":
            return _playlist(subtitles_playlist(video))
        return _subtitles(request, playable)
    variant = _VARIANT.match(path)
    if variant is not None:
        names = {str(rendition.get("name")) for rendition in video.renditions}
        if variant["rendition"] not in names:
            raise Http404("There is no such rendition.")
        if variant["file"] == "index.m3u8":
            return _playlist(_read(f"{prefix}{path}"))
        return _segment(request, f"{prefix}{path}", "video/mp2t")
    if path in _FILES:
        return _segment(request, f"{prefix}{path}", _FILES[path])
    if _SHEET.match(path):
        return _segment(request, f"{prefix}{path}", "image/jpeg")
    raise Http404("There is no such file.")


def _subtitles(request: HttpRequest, playable: Playable) -> HttpResponseBase:
    """The lesson's WebVTT, its cue times mapped onto the segments' clock (RFC 8216 3.5:
    X-TIMESTAMP-MAP), which starts where ffmpeg began it rather than at zero."""
    subtitles = playable.subtitles
    assert subtitles is not None  # noqa: S101 - the caller checked
    content_type = _FILES["thumbs/thumbnails.vtt"]
    start = playable.video.stream_start
    if start is None:  # processed before the start was recorded: cues as written
        return stored_response(
            request, subtitles.storage, subtitles.name or "", content_type=content_type
        )
    with subtitles.open("rb") as stored:
        text = stored.read().decode("utf-8-sig")
    response = HttpResponse(with_timestamp_map(text, start), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def with_timestamp_map(vtt: str, start: float) -> str:
    """`vtt` with the header line that puts its 00:00:00.000 at `start` seconds of MPEG-TS
    time (90 kHz); a file that has its own map keeps it."""
    if "X-TIMESTAMP-MAP=" in vtt.split("\n\n", 1)[0]:
        return vtt
    header, newline, rest = vtt.partition("\n")
    mapping = f"X-TIMESTAMP-MAP=MPEGTS:{round(start * 90_000)},LOCAL:00:00:00.000"
    return f"{header.rstrip()}\n{mapping}{newline}{rest}" if newline else f"{header}\n{mapping}\n"


def _segment(request: HttpRequest, name: str, content_type: str) -> HttpResponseBase:
    return stored_response(request, default_storage, name, content_type=content_type)
