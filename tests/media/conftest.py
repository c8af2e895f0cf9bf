"""Fixtures of the media tests: real clips made by ffmpeg (a few seconds, small frames)."""

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    CourseFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
    api_for,
)

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def make_clip(
    path: Path, *, width: int, height: int, seconds: float, audio: bool = True, fmt: str = "mp4"
) -> Path:
    """A test pattern (with a tone) encoded as a browser would upload it."""
    command = [FFMPEG, "-hide_banner", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=24:duration={seconds}"]
    if audio:
        command += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    if fmt == "webm":
        command += ["-c:v", "libvpx", "-b:v", "300k", "-deadline", "realtime"]
        command += ["-c:a", "libvorbis"] if audio else []
    else:
        command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        command += ["-c:a", "aac", "-b:a", "64k"] if audio else []
        command += ["-movflags", "+faststart"]
    command += ["-shortest", str(path)]
    subprocess.run(command, check=True, timeout=120)  # noqa: S603
    return path


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("clips")
    made = {
        "720p": make_clip(folder / "720p.mp4", width=1280, height=720, seconds=3),
        "360p": make_clip(folder / "360p.mp4", width=640, height=360, seconds=2, audio=False),
        "small": make_clip(folder / "small.mp4", width=320, height=180, seconds=2),
    }
    return {name: path.read_bytes() for name, path in made.items()}


@pytest.fixture
def instructor(db):
    return InstructorFactory(name="Olivia Owner")


@pytest.fixture
def instructor_api(instructor):
    return api_for(instructor)


@pytest.fixture
def other_instructor(db):
    return InstructorFactory(name="Oscar Other")


@pytest.fixture
def other_api(other_instructor):
    return api_for(other_instructor)


@pytest.fixture
def learner(db):
    return UserFactory(name="Lena Learner")


@pytest.fixture
def learner_api(learner):
    return api_for(learner)


@pytest.fixture
def course(instructor):
    return CourseFactory(owner=instructor)


@pytest.fixture
def video_lesson(course):
    return LessonFactory(module=ModuleFactory(course=course), type="video", body="")
