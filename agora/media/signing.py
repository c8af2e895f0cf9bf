"""Signed, expiring links to gated files, whatever app owns them.

A file that only some people may open (a lesson's video, subtitles, a downloadable file) is
never linked under /media/: its owner hands out `/media-signed/<token>/` instead. The token
(django.core.signing: salted, timestamped, HMAC-signed with SECRET_KEY) says what to serve
(a registered kind and the object's id) and binds:

- a digest of the stored file's name, so a replaced or removed file ends its old links
  (and the token never reveals where the file is stored);
- the user it was issued to, with a digest of their session hash, so a password change,
  "sign out everywhere", suspension or erasure ends their links too.

A link lasts SIGNED_MEDIA_MAX_AGE seconds. The app that registered the kind finds the file
and checks access again when the link is used (`register_kind`), so a refund, a revoked
enrollment or an unpublished course ends access at once.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.media.errors import LinkRefused
from agora.media.models import Video

SALT = "agora.catalog.media"  # kept from before the media app: links already out stay valid
MAX_TOKEN_LENGTH = 600


@dataclass(frozen=True)
class Grant:
    kind: str
    item_id: int
    file_digest: str
    user_id: int
    user_digest: str


@dataclass(frozen=True)
class Served:
    """What a kind's resolver found: the file, its content type, and a download name for
    files that are downloaded rather than shown."""

    stored: FieldFile
    content_type: str
    download_name: str | None = None


@dataclass(frozen=True)
class Playable:
    """What a video kind's resolver found: a processed video and the subtitles that go with
    it (attached to its HLS master playlist)."""

    video: Video
    subtitles: FieldFile | None = None
    language: str = "en"


# A kind's resolver finds the file the grant names and raises the owner's own errors when
# the holder may no longer open it (NotFound, EnrollmentRequired, Http404 for no file).
Resolver = Callable[[Grant, Viewer], Served]
_resolvers: dict[str, Resolver] = {}


# A video kind's resolver finds the video (HLS renditions) the grant names, checking access
# again the same way.
VideoResolver = Callable[[Grant, Viewer], Playable]
_video_resolvers: dict[str, VideoResolver] = {}


def register_kind(kind: str, resolver: Resolver) -> None:
    if kind in _resolvers and _resolvers[kind] is not resolver:
        raise ValueError(f"The media kind {kind!r} is already registered.")
    _resolvers[kind] = resolver


def register_video_kind(kind: str, resolver: VideoResolver) -> None:
    if kind in _video_resolvers and _video_resolvers[kind] is not resolver:
        raise ValueError(f"The media kind {kind!r} is already registered.")
    _video_resolvers[kind] = resolver


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _user_digest(user: Viewer) -> str:
    if not user.is_authenticated:
        return ""
    return digest(user.get_session_auth_hash())


def signed_url(kind: str, item_id: int, stored: FieldFile, user: Viewer) -> str:
    """A link to `stored` (the file of the kind's object `item_id`) for `user`, anonymous
    for previews. The caller checks access first; the resolver checks it again on use."""
    if kind not in _resolvers:
        raise ValueError(f"unknown media kind {kind!r}")
    token = _token(kind, item_id, stored.name or "", user)
    return reverse("media_signed", kwargs={"token": token})


def _token(kind: str, item_id: int, name: str, user: Viewer) -> str:
    payload = {
        "k": kind,
        "i": item_id,
        "f": digest(name),
        "u": user.pk if user.is_authenticated else 0,
        "s": _user_digest(user),
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def signed_video_url(kind: str, item_id: int, video: Video, user: Viewer, path: str) -> str:
    """A link to one file of a ready video's HLS folder (`path`: "master.m3u8",
    "poster.jpg", ...) for `user`. Playlists link their variants and segments relatively, so
    they stay under the same signed token; the resolver checks access on every request."""
    if kind not in _video_resolvers:
        raise ValueError(f"unknown media kind {kind!r}")
    token = _token(kind, item_id, video.hls_prefix, user)
    return reverse("media_hls", kwargs={"token": token, "path": path})


def grant_for(token: str) -> Grant:
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
    if grant.kind not in _resolvers and grant.kind not in _video_resolvers:
        raise LinkRefused()
    return grant


def holder(grant: Grant) -> Viewer:
    """The user the link was issued to, if they still may use it."""
    if grant.user_id == 0:
        return AnonymousUser()
    user = User.objects.filter(pk=grant.user_id, is_active=True).first()
    if user is None or _user_digest(user) != grant.user_digest:
        raise LinkRefused()
    return user


def resolve(grant: Grant, user: Viewer) -> Served:
    if grant.kind not in _resolvers:
        raise LinkRefused()
    return _resolvers[grant.kind](grant, user)


def resolve_video(grant: Grant, user: Viewer) -> Playable:
    if grant.kind not in _video_resolvers:
        raise LinkRefused()
    return _video_resolvers[grant.kind](grant, user)
