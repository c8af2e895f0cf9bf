"""Serving stored files over HTTP: byte ranges for players that seek, and /media/ in
development.

Files are served with HTTP Range support (206 Partial Content, `Accept-Ranges`, a correct
`Content-Range`, 416 for a range past the end, `If-Range`), which video players need to
seek. Storage without local paths (S3 and the like) gets a redirect to the storage's own
URL, which such storages sign and expire themselves.
"""

import posixpath
import re
from collections.abc import Iterator

from django.conf import settings
from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header, http_date, quote_etag

from agora.media.signing import digest

CHUNK_BYTES = 256 * 1024


# --- HTTP ranges -----------------------------------------------------------------------------
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The (first, last) byte positions asked for by a single-range `Range` header, or None
    when the header is absent, malformed or asks for several ranges (the whole file is sent
    then, as RFC 9110 allows). Raises Unsatisfiable for a range that starts past the end."""
    match = _RANGE.match(header.strip().replace(" ", "")) if header else None
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # the last N bytes
        length = int(last_text)
        if length == 0:
            raise Unsatisfiable()
        if size == 0:
            raise Unsatisfiable()
        return max(0, size - length), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return None  # not a valid range: ignored
    if first >= size:
        raise Unsatisfiable()
    return first, min(last, size - 1)


def _chunks(storage: Storage, name: str, first: int, length: int) -> Iterator[bytes]:
    handle = storage.open(name, "rb")
    try:
        handle.seek(first)
        left = length
        while left > 0:
            data = handle.read(min(CHUNK_BYTES, left))
            if not data:
                break
            left -= len(data)
            yield data
    finally:
        handle.close()


def file_response(
    request: HttpRequest,
    stored: FieldFile,
    *,
    content_type: str,
    download_name: str | None = None,
) -> HttpResponseBase:
    return stored_response(
        request,
        stored.storage,
        stored.name or "",
        content_type=content_type,
        download_name=download_name,
    )


def stored_response(
    request: HttpRequest,
    storage: Storage,
    name: str,
    *,
    content_type: str,
    download_name: str | None = None,
) -> HttpResponseBase:
    """`file_response` for a file known by its storage and name."""
    try:
        storage.path(name)
    except NotImplementedError:
        # Object storage: its own URL is signed and expires (e.g. S3 with query auth).
        return HttpResponseRedirect(storage.url(name))
    try:
        size = storage.size(name)
        modified = storage.get_modified_time(name)
    except FileNotFoundError as exc:
        raise Http404("The file is missing.") from exc
    # Stored names are never reused (a new upload gets a new name): name and size identify
    # the content.
    etag = quote_etag(digest(f"{name}:{size}"))
    last_modified = http_date(modified.timestamp())
    wanted: tuple[int, int] | None = None
    if_range = request.headers.get("If-Range", "")
    if not if_range or if_range in (etag, last_modified):
        try:
            wanted = parse_range(request.headers.get("Range", ""), size)
        except Unsatisfiable:
            refused = HttpResponse(status=416)
            refused["Content-Range"] = f"bytes */{size}"
            return _finish(refused, etag, last_modified, content_type, download_name)

    first, last = wanted if wanted is not None else (0, size - 1)
    length = max(0, last - first + 1)
    response: HttpResponseBase
    if request.method == "HEAD" or length == 0:
        response = HttpResponse(status=206 if wanted else 200)
    else:
        response = StreamingHttpResponse(
            _chunks(storage, name, first, length), status=206 if wanted else 200
        )
    response["Content-Length"] = str(length)
    if wanted is not None:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return _finish(response, etag, last_modified, content_type, download_name)


def _finish(
    response: HttpResponseBase,
    etag: str,
    last_modified: str,
    content_type: str,
    download_name: str | None,
) -> HttpResponseBase:
    response["Content-Type"] = content_type
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = last_modified
    # The link is personal and short-lived: browsers may keep it, shared caches may not.
    response["Cache-Control"] = "private, max-age=3600"
    if download_name is not None:
        response["Content-Disposition"] = content_disposition_header(True, download_name)
    else:
        response["Content-Disposition"] = "inline"
    return response


# --- development only ------------------------------------------------------------------------
GATED_FOLDERS = ("resources/",)


def serve_public_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """/media/ in development (agora/urls.py; production's web server serves only the
    public folders): thumbnails and avatars, never the gated files."""
    from django.views.static import serve

    normalised = posixpath.normpath(path).lstrip("/")
    if normalised.startswith(GATED_FOLDERS) or normalised in {"resources", "."}:
        raise Http404("Lesson files are served through signed links only.")
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))
