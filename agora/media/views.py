from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from agora.media import hls, signing
from agora.media.errors import LinkRefused
from agora.media.models import VideoStatus
from agora.media.serving import file_response


def _grant(request: HttpRequest, token: str) -> signing.Grant:
    grant = signing.grant_for(token)
    session_user = getattr(request, "user", None)
    signed_in = getattr(session_user, "is_authenticated", False)
    # A personal link works in its holder's browser session or without any session (a
    # mobile app's player, a download manager); an anonymous (preview) link grants nothing
    # personal and works for everyone.
    if grant.user_id and signed_in and session_user.pk != grant.user_id:  # type: ignore[union-attr]
        raise LinkRefused("This link was issued to someone else: reload the page.")
    return grant


@require_safe
def serve_signed(request: HttpRequest, token: str) -> HttpResponseBase:
    """GET/HEAD /media-signed/<token>/: the file, if the link and the access still hold."""
    grant = _grant(request, token)
    served = signing.resolve(grant, signing.holder(grant))
    if signing.digest(served.stored.name or "") != grant.file_digest:
        raise Http404("This file has been replaced: reload the page.")
    return file_response(
        request,
        served.stored,
        content_type=served.content_type,
        download_name=served.download_name,
    )


@require_safe
def serve_hls(request: HttpRequest, token: str, path: str) -> HttpResponseBase:
    """GET/HEAD /media-hls/<token>/<path>: a file of a ready video's HLS folder (playlists,
    segments, poster, thumbnails), if the link and the viewer's access still hold."""
    grant = _grant(request, token)
    playable = signing.resolve_video(grant, signing.holder(grant))
    video = playable.video
    if video.status != VideoStatus.READY or signing.digest(video.hls_prefix) != grant.file_digest:
        raise Http404("This video has been replaced: reload the page.")
    return hls.hls_file(request, playable, path)
