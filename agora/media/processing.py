"""The video pipeline: an uploaded video becomes HLS renditions suited to it (360p, 720p,
1080p; never upscaled), a poster, a thumbnail strip for seeking previews (JPEG sheets and a
WebVTT index) and its duration, all stored through Django's storage API under
`videos/<id>/<run>/`. ffmpeg comes from the imageio-ffmpeg wheel.

The job (agora/media/tasks.py) runs on the `video` queue. A file ffmpeg cannot read marks the
video failed with a reason at once; storage or process failures are transient and retried.
"""

import logging
import math
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import imageio_ffmpeg
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from agora.media.models import Video, VideoStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rung:
    name: str
    height: int
    video_bitrate: int  # bits per second
    audio_bitrate: int


LADDER = (
    Rung("360p", 360, 800_000, 96_000),
    Rung("720p", 720, 2_800_000, 128_000),
    Rung("1080p", 1080, 5_000_000, 160_000),
)
SEGMENT_SECONDS = 6
KEYFRAME_SECONDS = 2
THUMB_WIDTH = 160
THUMB_GRID = 10  # thumbnails per row and per column of one sheet
THUMBS_MAX = 300  # for the whole video: the interval grows with its length
PROGRESS_EVERY_SECONDS = 1.0
TRANSCODE_SHARE = 0.85  # of the processing time: the renditions; the rest, the strip
LEASE_RENEWAL_SECONDS = 60.0


CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
}


class VideoUnreadable(Exception):
    """The file is not a video ffmpeg can read: the video fails, nothing is retried."""


class ProcessingInterrupted(Exception):
    """ffmpeg was stopped (killed, out of memory): worth trying again."""


@dataclass(frozen=True)
class Probe:
    duration: float
    width: int
    height: int
    has_audio: bool


_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: .*?, (\d{2,5})x(\d{2,5})")
_ROTATION = re.compile(r"rotation of (-?\d+(?:\.\d+)?) degrees")


def ffmpeg() -> str:
    return str(settings.FFMPEG_BINARY or imageio_ffmpeg.get_ffmpeg_exe())


def probe(path: Path) -> Probe:
    """What ffmpeg sees in the file (the wheel has no ffprobe: its banner is parsed)."""
    result = subprocess.run(  # noqa: S603 - our binary, our arguments
        [ffmpeg(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        check=False,
    )
    report = result.stderr
    duration = _DURATION.search(report)
    video = _VIDEO.search(report)
    if duration is None or video is None:
        raise VideoUnreadable("The file has no video we can read (it may be damaged).")
    hours, minutes, seconds = duration.groups()
    length = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    width, height = int(video.group(1)), int(video.group(2))
    rotation = _ROTATION.search(report)
    if rotation and round(abs(float(rotation.group(1)))) % 180 == 90:
        width, height = height, width  # phones record sideways; ffmpeg turns it upright
    if length <= 0 or width < 16 or height < 16:
        raise VideoUnreadable("The video is empty.")
    return Probe(duration=length, width=width, height=height, has_audio=" Audio: " in report)


_TS_PACKET = 188


def stream_start(segment: Path) -> float | None:
    """Where an MPEG-TS segment starts on its 90 kHz clock, in seconds: the earliest
    presentation time among the first packets of each of its streams (None if it has none).
    Read from the PES headers here: the bundled ffmpeg cannot be asked to probe a .ts."""
    firsts: dict[int, int] = {}
    with segment.open("rb") as handle:
        while len(firsts) < 4 and (packet := handle.read(_TS_PACKET)):
            if len(packet) < _TS_PACKET or packet[0] != 0x47 or not packet[1] & 0x40:
                continue  # not the start of a PES packet
            pid = (packet[1] & 0x1F) << 8 | packet[2]
            offset = 4
            if packet[3] & 0x20:  # an adaptation field comes first
                offset += 1 + packet[4]
            pes = packet[offset:]
            if pid in firsts or len(pes) < 14 or pes[:3] != b"\x00\x00\x01":
                continue
            if not (0xC0 <= pes[3] <= 0xEF) or not pes[7] & 0x80:  # audio/video with a PTS
                continue
            firsts[pid] = (
                (pes[9] >> 1 & 0x07) << 30
                | pes[10] << 22
                | (pes[11] >> 1) << 15
                | pes[12] << 7
                | pes[13] >> 1
            )
    return min(firsts.values()) / 90_000 if firsts else None


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def ladder_for(source: Probe) -> list[dict[str, int | str]]:
    """The renditions to make: every rung no taller than the source (at least one, at the
    source's own height when it is smaller than the lowest rung)."""
    rungs = [rung for rung in LADDER if rung.height <= source.height]
    if not rungs:
        lowest = LADDER[0]
        rungs = [
            Rung(
                f"{_even(source.height)}p",
                _even(source.height),
                lowest.video_bitrate // 2,
                lowest.audio_bitrate,
            )
        ]
    return [
        {
            "name": rung.name,
            "width": _even(source.width * rung.height / source.height),
            "height": rung.height,
            "bandwidth": rung.video_bitrate + (rung.audio_bitrate if source.has_audio else 0),
            "video_bitrate": rung.video_bitrate,
            "audio_bitrate": rung.audio_bitrate,
        }
        for rung in rungs
    ]


def thumbnail_interval(duration: float) -> float:
    return max(1.0, math.ceil(duration / THUMBS_MAX))


def transcode_command(
    source: Path, out: Path, probe_: Probe, renditions: list[dict[str, int | str]]
) -> list[str]:
    count = len(renditions)
    splits = "".join(f"[v{i}]" for i in range(count))
    graph = [f"[0:v]split={count}{splits}"]
    graph += [f"[v{i}]scale={r['width']}:{r['height']}[o{i}]" for i, r in enumerate(renditions)]
    command = [ffmpeg(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-i", str(source)]
    command += ["-filter_complex", ";".join(graph)]
    streams = []
    for i, rendition in enumerate(renditions):
        command += ["-map", f"[o{i}]"]
        rate = int(rendition["video_bitrate"])
        command += [f"-b:v:{i}", str(rate), f"-maxrate:v:{i}", str(int(rate * 1.07))]
        command += [f"-bufsize:v:{i}", str(int(rate * 1.5))]
        if probe_.has_audio:
            command += ["-map", "0:a:0", f"-b:a:{i}", str(rendition["audio_bitrate"])]
            streams.append(f"v:{i},a:{i},name:{rendition['name']}")
        else:
            streams.append(f"v:{i},name:{rendition['name']}")
    command += ["-c:v", "libx264", "-preset", settings.VIDEO_X264_PRESET, "-pix_fmt", "yuv420p"]
    command += [
        "-profile:v",
        "high",
        "-force_key_frames",
        f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
    ]
    command += ["-threads", str(settings.VIDEO_FFMPEG_THREADS)]
    if probe_.has_audio:
        command += ["-c:a", "aac", "-ac", "2", "-ar", "48000"]
    command += ["-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod"]
    command += ["-hls_segment_filename", str(out / "%v" / "seg_%05d.ts")]
    command += ["-master_pl_name", "master.m3u8", "-var_stream_map", " ".join(streams)]
    command.append(str(out / "%v" / "index.m3u8"))
    command += ["-progress", "pipe:1", "-nostats"]
    return command


def thumbnails_command(source: Path, out: Path, duration: float) -> list[str]:
    """The thumbnail strip, in a pass of its own: as another output of the renditions' pass
    it emits a picture only every few minutes of video, and ffmpeg, keeping its outputs in
    step, would hold every decoded frame meanwhile (gigabytes on a long lecture)."""
    interval = thumbnail_interval(duration)
    grid = f"fps=1/{interval},scale={THUMB_WIDTH}:-2,tile={THUMB_GRID}x{THUMB_GRID}"
    command = [ffmpeg(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-i", str(source)]
    command += ["-map", "0:v:0", "-vf", grid, "-q:v", "5"]
    command += ["-threads", str(settings.VIDEO_FFMPEG_THREADS)]
    command += [str(out / "sheet_%03d.jpg"), "-progress", "pipe:1", "-nostats"]
    return command


def _run_with_progress(
    command: list[str], duration: float, report: Callable[[float], None]
) -> None:
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - our binary, our arguments
            command, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        assert process.stdout is not None  # noqa: S101 - asked for above
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit() and duration > 0:
                report(min(1.0, int(value) / 1_000_000 / duration))
        code = process.wait()
        errors.seek(0)
        tail = errors.read()[-2000:].decode("utf-8", "replace").strip()
    if code < 0:
        raise ProcessingInterrupted(f"ffmpeg was stopped by signal {-code}")
    if code != 0:
        logger.info("ffmpeg refused a video: %s", tail)
        last = tail.splitlines()[-1] if tail else "unknown error"
        raise VideoUnreadable(f"The video could not be converted ({last[:200]}).")


def _poster(source: Path, target: Path, duration: float, height: int) -> None:
    moment = min(duration / 4, 10.0)
    command = [ffmpeg(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    command += ["-ss", f"{moment:.3f}", "-i", str(source), "-frames:v", "1"]
    command += ["-vf", f"scale=-2:{min(height, 720)}", "-q:v", "3", str(target)]
    result = subprocess.run(command, capture_output=True, timeout=300, check=False)  # noqa: S603
    if result.returncode != 0 or not target.exists():
        raise VideoUnreadable("No picture could be taken from the video.")


def _timestamp(seconds: float) -> str:
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    if millis == 1000:
        whole, millis = whole + 1, 0
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{millis:03d}"


def thumbnails_vtt(duration: float, sheets: list[str], width: int, height: int) -> str:
    """The WebVTT index of the strip: each cue names its thumbnail's place in a sheet."""
    interval = thumbnail_interval(duration)
    per_sheet = THUMB_GRID * THUMB_GRID
    count = min(math.ceil(duration / interval), len(sheets) * per_sheet)
    lines = ["WEBVTT", ""]
    for index in range(count):
        start, end = index * interval, min((index + 1) * interval, duration)
        position = index % per_sheet
        x, y = (position % THUMB_GRID) * width, (position // THUMB_GRID) * height
        lines += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"{sheets[index // per_sheet]}#xywh={x},{y},{width},{height}",
            "",
        ]
    return "\n".join(lines)


# --- storage ---------------------------------------------------------------------------------
def _local_copy(name: str, into: IO[bytes]) -> None:
    with default_storage.open(name, "rb") as stored:
        shutil.copyfileobj(stored, into, 1024 * 1024)


def _store_tree(folder: Path, prefix: str) -> int:
    stored = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            name = f"{prefix}{path.relative_to(folder).as_posix()}"
            with path.open("rb") as handle:
                content = File(handle)
                # Object storage keeps the type it is given (and guesses .ts wrongly).
                content.content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")  # type: ignore[attr-defined]
                saved = default_storage.save(name, content)
            if saved != name:  # a fresh run folder never has its names taken
                raise OSError(f"storage renamed {name} to {saved}")
            stored += 1
    return stored


def delete_tree(prefix: str) -> None:
    """Removes everything stored under `prefix` (a folder name ending in /)."""
    if not prefix:
        return
    folders, files = _listdir(prefix)
    for file in files:
        default_storage.delete(f"{prefix}{file}")
    for folder in folders:
        delete_tree(f"{prefix}{folder}/")


# --- the job ---------------------------------------------------------------------------------
ReadyListener = Callable[[Video], None]
_ready_listeners: list[ReadyListener] = []


def register_ready_listener(listener: ReadyListener) -> None:
    """Called (in the transaction that marks it) when a video becomes ready, so the app that
    uses it can copy what it needs (e.g. a lesson's duration)."""
    if listener not in _ready_listeners:
        _ready_listeners.append(listener)


def mark_failed(video_id: int, reason: str) -> None:
    Video.objects.filter(pk=video_id, status=VideoStatus.PROCESSING).update(
        status=VideoStatus.FAILED, error=reason[:1000], updated_at=timezone.now()
    )


def _source_file(video: Video, into: IO[bytes]) -> None:
    """Writes the original into `into`: the stored source, or the upload's parts joined
    (the joined file is stored as the source, and the parts removed, once processed)."""
    if video.source:
        _local_copy(video.source, into)
        return
    if video.upload is None:
        raise VideoUnreadable("The video's file is missing.")
    for name in sorted(video.upload.parts):
        _local_copy(name, into)


def process(*, video_id: int, renew: Callable[[], None] = lambda: None) -> str:
    """Processes the video once (safe to run again: a new run folder, swapped in at the end).
    Returns the video's new status. `renew` is called now and then to keep the job's lease."""
    video = Video.objects.select_related("upload").filter(pk=video_id).first()
    if video is None or video.status != VideoStatus.PROCESSING:
        return "skipped"
    run = f"videos/{video.pk}/{secrets.token_hex(6)}/"
    last_report = last_renewal = 0.0

    def report(done: float) -> None:
        nonlocal last_report, last_renewal
        now = time.monotonic()
        if now - last_report < PROGRESS_EVERY_SECONDS:
            return
        last_report = now
        Video.objects.filter(pk=video.pk, status=VideoStatus.PROCESSING).update(
            progress=min(99, 5 + int(done * 90))
        )
        if now - last_renewal >= LEASE_RENEWAL_SECONDS:
            last_renewal = now
            renew()

    with tempfile.TemporaryDirectory(prefix="agora-video-", dir=settings.VIDEO_WORK_DIR) as work:
        folder = Path(work)
        source = folder / "source"
        try:
            with source.open("wb") as handle:
                _source_file(video, handle)
            found = probe(source)
            renditions = ladder_for(found)
            out = folder / "out"
            (out / "thumbs").mkdir(parents=True)
            report(0.0)
            _run_with_progress(
                transcode_command(source, out, found, renditions),
                found.duration,
                lambda done: report(done * TRANSCODE_SHARE),
            )
            _run_with_progress(
                thumbnails_command(source, out / "thumbs", found.duration),
                found.duration,
                lambda done: report(TRANSCODE_SHARE + done * (1 - TRANSCODE_SHARE)),
            )
            _poster(source, out / "poster.jpg", found.duration, found.height)
            start = stream_start(out / str(renditions[0]["name"]) / "seg_00000.ts")
        except VideoUnreadable as exc:
            with transaction.atomic():
                mark_failed(video.pk, str(exc))
            return VideoStatus.FAILED
        sheets = sorted(path.name for path in (out / "thumbs").glob("sheet_*.jpg"))
        thumb_height = _even(THUMB_WIDTH * found.height / found.width)
        (out / "thumbs" / "thumbnails.vtt").write_text(
            thumbnails_vtt(found.duration, sheets, THUMB_WIDTH, thumb_height), encoding="utf-8"
        )
        renew()
        _store_tree(out, run)
        source_name = video.source
        if not source_name:
            extension = video.upload.extension if video.upload else "mp4"
            with source.open("rb") as joined:
                source_name = default_storage.save(
                    f"videos/{video.pk}/source.{extension or 'mp4'}", File(joined)
                )
    return _finish(video, run, source_name, found, renditions, start)


def _finish(
    video: Video,
    run: str,
    source_name: str,
    found: Probe,
    renditions: list[dict[str, int | str]],
    start: float | None,
) -> str:
    old_prefix, parts = "", []
    with transaction.atomic():
        locked = (
            Video.objects.select_for_update(of=("self",))
            .select_related("upload")
            .filter(pk=video.pk)
            .first()
        )
        if locked is None:  # removed meanwhile: so is everything this run stored
            transaction.on_commit(lambda: delete_tree(f"videos/{video.pk}/"))
            return "skipped"
        if locked.status != VideoStatus.PROCESSING:
            transaction.on_commit(lambda: delete_tree(run))  # replaced or removed meanwhile
            return "skipped"
        old_prefix = locked.hls_prefix
        if locked.upload is not None and not locked.source:
            parts = list(locked.upload.parts)
            locked.upload.delete()
        locked.source = source_name
        locked.status = VideoStatus.READY
        locked.progress = 100
        locked.error = ""
        locked.duration_seconds = round(found.duration, 3)
        locked.stream_start = start
        locked.width, locked.height = found.width, found.height
        locked.renditions = [
            {key: r[key] for key in ("name", "width", "height", "bandwidth")} for r in renditions
        ]
        locked.hls_prefix = run
        locked.poster = f"{run}poster.jpg"
        locked.thumbnails = f"{run}thumbs/thumbnails.vtt"
        locked.processed_at = timezone.now()
        locked.upload = None
        locked.save()
        for listener in _ready_listeners:
            listener(locked)

        def clean_up() -> None:
            from agora.media.resumable import delete_parts

            delete_parts(parts)
            if old_prefix and old_prefix != run:
                delete_tree(old_prefix)

        transaction.on_commit(clean_up)
    return VideoStatus.READY


def _listdir(prefix: str) -> tuple[list[str], list[str]]:
    """A folder's subfolders and files; none for a folder that does not exist (local disk
    has no empty folders to list where object storage has no folders at all)."""
    try:
        return default_storage.listdir(prefix)
    except FileNotFoundError:
        return [], []


def stored_files(prefix: str) -> Iterator[str]:
    """Every stored name under `prefix` (a folder name ending in /)."""
    folders, files = _listdir(prefix)
    for file in files:
        yield f"{prefix}{file}"
    for folder in folders:
        yield from stored_files(f"{prefix}{folder}/")
