"""Transcoding speed and memory of the video pipeline on a 10-minute 1080p lecture.

    .venv/bin/python bench/transcode.py                       # 10 min, 1080p30, with sound
    .venv/bin/python bench/transcode.py --minutes 2 --preset faster

Makes the source once (ffmpeg's test pattern and a tone, H.264 + AAC as a camera would
upload it; kept in var/bench/), then runs the pipeline's own steps on it
(agora/media/processing.py: probe, the ffmpeg pass that writes every HLS rendition, the
pass that makes the thumbnail strip, the poster) and reports seconds of video processed per
second of wall time and per CPU second, ffmpeg's peak memory (max RSS of the largest
child), the renditions and the size of the output. Storage is not included.
Results go to bench/results/<timestamp>-transcode.json.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, write_results  # noqa: E402


def make_source(path: Path, *, minutes: float, height: int, fps: int) -> None:
    from agora.media.processing import ffmpeg

    width = height * 16 // 9
    seconds = int(minutes * 60)
    command = [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y"]
    pattern = f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}"
    command += ["-f", "lavfi", "-i", pattern]
    command += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(path)]
    subprocess.run(command, check=True)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--preset", default="", help="x264 preset (default: VIDEO_X264_PRESET)")
    args = parser.parse_args()
    if args.preset:
        os.environ["VIDEO_X264_PRESET"] = args.preset
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings.base")
    import django

    django.setup()
    from django.conf import settings

    from agora.media import processing

    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"lecture-{args.minutes:g}min-{args.height}p{args.fps}.mp4"
    if not source.exists():
        print(f"making the source {source.name} ...", flush=True)
        started = time.monotonic()
        make_source(source, minutes=args.minutes, height=args.height, fps=args.fps)
        print(f"  made in {time.monotonic() - started:.0f} s", flush=True)
    found = processing.probe(source)
    renditions = processing.ladder_for(found)
    print(
        f"source: {found.width}x{found.height}, {found.duration:.0f} s, "
        f"{source.stat().st_size / 1e6:.0f} MB; renditions: "
        + ", ".join(str(r["name"]) for r in renditions),
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="agora-bench-") as work:
        out = Path(work) / "out"
        (out / "thumbs").mkdir(parents=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        last = [0.0]

        def report(done: float) -> None:
            if done - last[0] >= 0.1:
                last[0] = done
                print(f"  {done:.0%}", flush=True)

        started = time.monotonic()
        processing._run_with_progress(
            processing.transcode_command(source, out, found, renditions), found.duration, report
        )
        renditions_wall = time.monotonic() - started
        middle = resource.getrusage(resource.RUSAGE_CHILDREN)
        processing._run_with_progress(
            processing.thumbnails_command(source, out / "thumbs", found.duration),
            found.duration,
            lambda done: None,
        )
        processing._poster(source, out / "poster.jpg", found.duration, found.height)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        output_bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        segments = sum(1 for _ in out.rglob("*.ts"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    figures = {
        "source": {
            "width": found.width,
            "height": found.height,
            "seconds": round(found.duration, 1),
            "fps": args.fps,
            "megabytes": round(source.stat().st_size / 1e6, 1),
        },
        "preset": settings.VIDEO_X264_PRESET,
        "renditions": [r["name"] for r in renditions],
        "wall_seconds": round(wall, 1),
        "renditions_wall_seconds": round(renditions_wall, 1),
        "renditions_cpu_seconds": round(
            (middle.ru_utime - before.ru_utime) + (middle.ru_stime - before.ru_stime), 1
        ),
        "video_seconds_per_second": round(found.duration / wall, 2),
        "video_seconds_per_cpu_second": None,
        "cpu_seconds": round(cpu, 1),
        # The largest of the ffmpeg runs (ru_maxrss is in kilobytes on Linux).
        "ffmpeg_peak_rss_mb": round(after.ru_maxrss / 1024, 1),
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
        "output_megabytes": round(output_bytes / 1e6, 1),
        "segments": segments,
        "machine": machine(),
    }
    figures["video_seconds_per_cpu_second"] = round(found.duration / cpu, 2)
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(f"written to {write_results('transcode', figures)}")


if __name__ == "__main__":
    main()
