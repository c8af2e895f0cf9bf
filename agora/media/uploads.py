"""Checks on uploaded files: the content decides what a file is, never its name."""

import re
from io import BytesIO
from typing import Any

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from agora.core.errors import InvalidInput

IMAGE_MAX_PIXELS = 40_000_000

# Resource files Agora serves for download, recognised by their first bytes.
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"ID3", "audio/mpeg"),
    (b"WEBVTT", "text/vtt"),
]
_TEXT_TYPES = {
    "txt": "text/plain",
    "md": "text/markdown",
    "csv": "text/csv",
    "py": "text/plain",
    "vtt": "text/vtt",
    "srt": "text/plain",
    "json": "application/json",
}


_EXTENSIONS = {
    "application/pdf": "pdf",
    "application/zip": "zip",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "audio/mpeg": "mp3",
    "text/vtt": "vtt",
}


def extension_for(content_type: str, filename: str) -> str:
    """The extension to store a checked file under: from its content type, or for plain
    text from the (allow-listed) extension it was sent with."""
    if content_type in _EXTENSIONS:
        return _EXTENSIONS[content_type]
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return extension if extension in _TEXT_TYPES else "bin"


def _too_big(upload: Any, max_bytes: int) -> None:
    if upload.size > max_bytes:
        raise InvalidInput(
            fields={"file": [f"The file is larger than {max_bytes // 1_048_576} MB."]}
        )


def image_as_jpeg(upload: Any, *, max_bytes: int, size: tuple[int, int]) -> "ContentFile[bytes]":
    _too_big(upload, max_bytes)
    try:
        with Image.open(upload) as image:
            if image.format not in {"PNG", "JPEG", "GIF", "WEBP"}:
                raise InvalidInput(fields={"file": ["Upload a PNG, JPEG, GIF or WebP image."]})
            if image.width * image.height > IMAGE_MAX_PIXELS:
                raise InvalidInput(fields={"file": ["The image has too many pixels."]})
            fitted = ImageOps.fit(image.convert("RGB"), size)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidInput(fields={"file": ["This file is not an image we can read."]}) from exc
    buffer = BytesIO()
    fitted.save(buffer, format="JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue())


def checked_resource(upload: Any, *, max_bytes: int) -> tuple[Any, str]:
    """The upload and its content type, if it is a kind of file we serve."""
    _too_big(upload, max_bytes)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return upload, content_type
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension in _TEXT_TYPES:
        sample = upload.read(65536)
        upload.seek(0)
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError:
            # The sample may end inside a character; anything else is binary.
            try:
                sample[:-3].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidInput(fields={"file": ["This text file is not UTF-8."]}) from exc
        return upload, _TEXT_TYPES[extension]
    raise InvalidInput(
        fields={"file": ["Upload a PDF, ZIP, image, MP3, subtitle or plain-text file."]}
    )


# --- lesson videos and subtitles -------------------------------------------------------------
# MP4 (ISO base media) brands browsers play; QuickTime ("qt  ") and others are refused.
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"M4VH", b"M4VP", b"dash", b"mmp4", b"MSNV", b"NDAS", b"f4v ",
}  # fmt: skip
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE = b"\x42\x82"
VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}


def _mp4_brands(head: bytes) -> set[bytes]:
    """The major and compatible brands of a leading `ftyp` box, if there is one."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return set()
    size = min(int.from_bytes(head[0:4], "big"), len(head))
    brands = {head[8:12]}
    brands.update(head[offset : offset + 4] for offset in range(16, size - 3, 4))
    return brands


def _is_webm(head: bytes) -> bool:
    """An EBML document whose DocType is "webm" (Matroska's is "matroska")."""
    if not head.startswith(_EBML_MAGIC):
        return False
    at = head.find(_EBML_DOCTYPE, 4, 64)
    if at < 0 or at + 3 >= len(head):
        return False
    size = head[at + 2]
    if not size & 0x80:  # DocType's length is a one-byte EBML number in practice
        return False
    length = size & 0x7F
    return head[at + 3 : at + 3 + length] == b"webm"


def checked_video(upload: Any, *, max_bytes: int) -> str:
    """The extension ("mp4" or "webm") of an uploaded video, judged by its first bytes."""
    _too_big(upload, max_bytes)
    head = upload.read(VIDEO_HEAD_BYTES)
    upload.seek(0)
    extension = video_extension(head)
    if extension is None:
        raise InvalidInput(fields={"file": ["Upload an MP4 (H.264) or WebM video."]})
    return extension


VIDEO_HEAD_BYTES = 64


def video_extension(head: bytes) -> str | None:
    """ "mp4" or "webm" when a file's first bytes (VIDEO_HEAD_BYTES of them) show one."""
    if _mp4_brands(head) & _MP4_BRANDS:
        return "mp4"
    if _is_webm(head):
        return "webm"
    return None


_CUE_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_CUE_TIMING = re.compile(rf"^{_CUE_TIME}[ \t]+-->[ \t]+{_CUE_TIME}(?:[ \t].*)?$")


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def checked_subtitles(upload: Any, *, max_bytes: int) -> "ContentFile[bytes]":
    """A WebVTT file, checked line by line: UTF-8, the WEBVTT signature, well-formed cue
    timings that do not run backwards, at least one cue. Stored as UTF-8 without a BOM, with
    plain newlines."""
    _too_big(upload, max_bytes)
    raw = upload.read()
    upload.seek(0)
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InvalidInput(fields={"file": ["A subtitle file is UTF-8 text."]}) from exc
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = lines[0]
    if "\x00" in text or not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise InvalidInput(
            fields={"file": ["Upload a WebVTT subtitle file (it starts with “WEBVTT”)."]}
        )
    cues = 0
    for number, line in enumerate(lines[1:], start=2):
        if "-->" not in line:
            continue
        timing = _CUE_TIMING.match(line.strip())
        if timing is None:
            raise InvalidInput(fields={"file": [f"Line {number} is not a valid cue timing."]})
        parts = timing.groups()
        if _seconds(*parts[4:]) < _seconds(*parts[:4]):
            problem = f"The cue on line {number} ends before it starts."
            raise InvalidInput(fields={"file": [problem]})
        cues += 1
    if not cues:
        raise InvalidInput(fields={"file": ["The subtitle file has no cues."]})
    return ContentFile("\n".join(lines).encode("utf-8"))
