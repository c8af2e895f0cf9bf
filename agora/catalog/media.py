"""Signed, expiring links to gated lesson media, and the view that serves them.

A lesson's uploaded video and subtitles, and a resource's file, are never linked under
/media/: pages and the API hand out `/media-signed/<token>/` instead. The token
(django.core.signing: salted, timestamped, HMAC-signed with SECRET_KEY) says what to serve
(the kind and the object's id) and binds:

- a digest of the stored file's name, so a replaced or removed file ends its old links
  (and the token never reveals where the file is stored);
- the user it was issued to, with a digest of their session hash, so a password change,
  "sign out everywhere", suspension or erasure ends their links too.

A link lasts SIGNED_MEDIA_MAX_AGE seconds. Serving checks access again (catalog/access.py),
so a refund, a revoked enrollment or an unpublished course ends access at once. A signed-in
browser session may only use links issued to its own user; a client without a session (a
mobile app's player, a download manager) may use the link it was given.

Files are served with HTTP Range support (206 Partial Content, `Accept-Ranges`, a correct
`Content-Range`, 416 for a range past the end, `If-Range`), which video players need to
seek. Storage without local paths (S3 and the like) gets a redirect to the storage's own
URL, which such storages sign and expire themselves.
"""

import hashlib
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db.models.fields.files import FieldFile
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.http import content_disposition_header, http_date, quote_etag
from django.views.decorators.http import require_safe

from agora.catalog import access
from agora.catalog.models import Lesson, Resource
from agora.catalog.uploads import VIDEO_TYPES
from agora.core.errors import PermissionDenied

SALT = "agora.catalog.media"
KINDS = ("video", "subtitles", "resource")
MAX_TOKEN_LENGTH = 600
CHUNK_BYTES = 256 * 1024


class LinkRefused(PermissionDenied):
    code = "media_link_refused"
    message = "This media link is not valid (it may have expired): reload the page."


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _user_digest(user: Any) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    return _digest(user.get_session_auth_hash())


# --- links -----------------------------------------------------------------------------------
def _file_of(kind: str, item: Lesson | Resource) -> FieldFile:
    if kind == "video":
        return item.video_file  # type: ignore[union-attr]
    if kind == "subtitles":
        return item.subtitle_file  # type: ignore[union-attr]
    return item.file  # type: ignore[union-attr]


def signed_url(kind: str, item: Lesson | Resource, user: Any) -> str | None:
    """A signed link to the lesson's video or subtitles, or the resource's file, for `user`
    (anonymous for previews); None when there is no such file. Callers check access first
    (queries.lesson_media_urls does); the link is checked again when used."""
    if kind not in KINDS:
        raise ValueError(f"unknown media kind {kind!r}")
    stored = _file_of(kind, item)
    if not stored:
        return None
    payload = {
        "k": kind,
        "i": item.pk,
        "f": _digest(stored.name or ""),
        "u": user.pk if getattr(user, "is_authenticated", False) else 0,
        "s": _user_digest(user),
    }
    token = signing.dumps(payload, salt=SALT, compress=True)
    return reverse("media_signed", kwargs={"token": token})


# --- serving ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Grant:
    kind: str
    item_id: int
    file_digest: str
    user_id: int
    user_digest: str


def _grant(token: str) -> Grant:
    if len(token) > MAX_TOKEN_LENGTH:
        raise LinkRefused()
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.SIGNED_MEDIA_MAX_AGE)
        grant = Grant(
            kind=str(payload["k"]),
            item_id=int(payload["i"]),
            file_digest=str(payload["f"]),
            user_id=int(payload["u"]),
            user_digest=str(payload["s"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkRefused() from exc
    if grant.kind not in KINDS:
        raise LinkRefused()
    return grant


def _holder(grant: Grant) -> Any:
    """The user the link was issued to, if they still may use it."""
    if grant.user_id == 0:
        return AnonymousUser()
    from agora.accounts.models import User

    user = User.objects.filter(pk=grant.user_id, is_active=True).first()
    if user is None or _user_digest(user) != grant.user_digest:
        raise LinkRefused()
    return user


def _target(grant: Grant) -> tuple[Lesson, FieldFile, str, str | None]:
    """The lesson, its file, the content type and (for resources) a download name."""
    related = ("module__course__owner",)
    if grant.kind == "resource":
        resource = (
            Resource.objects.select_related(*(f"lesson__{r}" for r in related))
            .filter(pk=grant.item_id)
            .first()
        )
        if resource is None or not resource.file:
            raise Http404("There is no such file.")
        extension = (resource.file.name or "").rsplit(".", 1)[-1]
        content_type = resource.content_type or "application/octet-stream"
        return resource.lesson, resource.file, content_type, f"{resource.title}.{extension}"
    lesson = Lesson.objects.select_related(*related).filter(pk=grant.item_id).first()
    stored = _file_of(grant.kind, lesson) if lesson is not None else None
    if lesson is None or not stored:
        raise Http404("There is no such file.")
    if grant.kind == "subtitles":
        return lesson, stored, "text/vtt; charset=utf-8", None
    extension = (stored.name or "").rsplit(".", 1)[-1].lower()
    return lesson, stored, VIDEO_TYPES.get(extension, "application/octet-stream"), None


@require_safe
def serve_signed(request: HttpRequest, token: str) -> HttpResponseBase:
    """GET/HEAD /media-signed/<token>/: the file, if the link and the access still hold."""
    grant = _grant(token)
    session_user = getattr(request, "user", None)
    signed_in = getattr(session_user, "is_authenticated", False)
    # A personal link works in its holder's browser session or without any session; an
    # anonymous (preview) link grants nothing personal and works for everyone.
    if grant.user_id and signed_in and session_user.pk != grant.user_id:  # type: ignore[union-attr]
        raise LinkRefused("This link was issued to someone else: reload the page.")
    holder = _holder(grant)
    lesson, stored, content_type, download_name = _target(grant)
    if _digest(stored.name or "") != grant.file_digest:
        raise Http404("This file has been replaced: reload the page.")
    # NotFound (course hidden) -> 404, EnrollmentRequired -> 403, as for the lesson itself.
    access.check_lesson_readable(holder, lesson)
    return file_response(request, stored, content_type=content_type, download_name=download_name)


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


def _chunks(stored: FieldFile, first: int, length: int) -> Iterator[bytes]:
    handle = stored.storage.open(stored.name or "", "rb")
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
    storage, name = stored.storage, stored.name or ""
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
    etag = quote_etag(_digest(f"{name}:{size}"))
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
            _chunks(stored, first, length), status=206 if wanted else 200
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
    public folders): thumbnails and avatars, never the gated lesson files."""
    from django.views.static import serve

    normalised = posixpath.normpath(path).lstrip("/")
    if normalised.startswith(GATED_FOLDERS) or normalised in {"resources", "."}:
        raise Http404("Lesson files are served through signed links only.")
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))
