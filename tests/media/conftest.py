"""Fixtures of the media tests: real clips made by ffmpeg (a few seconds, small frames)."""

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
import requests

from tests.catalog.conftest import (  # noqa: F401 - the catalog tests' people, as fixtures
    instructor,
    instructor_api,
    learner,
    learner_api,
    other_api,
    other_instructor,
)
from tests.catalog.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
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
def course(instructor):  # noqa: F811 - the imported fixture
    return CourseFactory(owner=instructor)


@pytest.fixture
def video_lesson(course):
    return LessonFactory(module=ModuleFactory(course=course), type="video", body="")


# --- storage: every media test runs on local disk and on S3 (a real S3 API on loopback) ------
S3_KEY = "agora-test-key"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on loopback: the same API as AWS S3, MinIO or R2, on this machine."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_storage_settings(endpoint: str, bucket: str) -> dict[str, Any]:
    """The options production's STORAGE_BACKEND=s3 gives django-storages (settings/base.py)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": "us-east-1",
            "access_key": S3_KEY,
            "secret_key": S3_KEY,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 600,
            "file_overwrite": False,
        },
    }


@pytest.fixture(params=["local", "s3"], autouse=True)
def media_storage(request, settings) -> str:
    if request.param == "local":
        return "local"
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = new_bucket(endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(endpoint, bucket)}
    return "s3"


def new_bucket(endpoint: str, *, cors_origin: str | None = None) -> str:
    """A fresh bucket on the loopback S3 server; with `cors_origin`, browsers on that origin
    may read it (as an operator sets it up for the site: README)."""
    import boto3

    bucket = f"agora-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_KEY,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    if cors_origin:
        rule = {"AllowedOrigins": [cors_origin], "AllowedMethods": ["GET", "HEAD"]}
        rule["AllowedHeaders"] = ["*"]
        client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
    return bucket


@dataclass
class Fetched:
    status_code: int
    headers: Any
    content: bytes


def fetch(client, url: str, **headers: str) -> Fetched:
    """GET as a player does: a redirect to object storage's signed URL is followed."""
    response = client.get(url, headers=headers)
    location = response.get("Location", "")
    if response.status_code == 302 and location.startswith("http://127.0.0.1"):
        remote = requests.get(location, headers=headers, timeout=10)
        return Fetched(remote.status_code, remote.headers, remote.content)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return Fetched(response.status_code, response.headers, content)
