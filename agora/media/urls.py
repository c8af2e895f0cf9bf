from django.urls import path

from agora.media import views

urlpatterns = [
    # Gated files (lesson videos, subtitles, downloads) through signed, expiring links.
    path("media-signed/<str:token>/", views.serve_signed, name="media_signed"),
]
