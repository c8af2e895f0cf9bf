"""Checks on uploaded files: the content decides what a file is, never its name."""

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


def image_as_jpeg(upload: Any, *, max_bytes: int, size: tuple[int, int]) -> ContentFile:
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
