from django.urls import path

from agora.media import tus, views

urlpatterns = [
    # Gated files (lesson videos, subtitles, downloads) through signed, expiring links.
    path("media-signed/<str:token>/", views.serve_signed, name="media_signed"),
    # A processed video's HLS folder, under one signed token per viewer.
    path("media-hls/<str:token>/<path:path>", views.serve_hls, name="media_hls"),
]

# Resumable uploads (tus 1.0), mounted under /api/v1/ before the API's own routes.
upload_patterns = [
    path("uploads/", tus.uploads, name="media_uploads"),
    path("uploads/<str:upload_id>", tus.upload, name="media_upload"),
]
