from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from agora.accounts import views as account_views
from agora.accounts import views_security
from agora.api import api
from agora.commerce import views as commerce_views
from agora.core import health
from agora.core.api_errors import api_not_found
from agora.core.url_index import grouped_by_first_segment
from agora.media.serving import serve_public_media
from agora.media.urls import upload_patterns

api_patterns, api_app_name, api_namespace = api.urls

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(upload_patterns)),  # tus: not a JSON API, its own protocol
    path(
        "api/v1/",
        include((grouped_by_first_segment(api_patterns), api_app_name), namespace=api_namespace),
    ),
    re_path(r"^api/(?P<unmatched>.*)$", api_not_found),
    path("admin/", admin.site.urls),
    path("accounts/profile/", account_views.profile, name="profile"),
    # Before allauth's own: the same page, answering 429 when sign-ins are throttled.
    path("accounts/login/", account_views.login),
    # Before allauth's own: its sessions page, with the apps signed in through the API too.
    path("accounts/sessions/", views_security.sessions, name="usersessions_list"),
    path(
        "accounts/sessions/apps/<uuid:family>/end/",
        views_security.end_api_sign_in,
        name="end_api_sign_in",
    ),
    path(
        "accounts/sessions/everywhere/",
        views_security.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    path("accounts/data/", views_security.data, name="account_data"),
    path("accounts/data/export/", views_security.export, name="account_export"),
    path("accounts/data/delete/", views_security.delete, name="account_delete"),
    path("accounts/", include("allauth.urls")),
    path("pay/demo/<str:payment_id>/", commerce_views.demo_pay, name="demo_pay"),
    path("", include("agora.commerce.urls")),
    path("", include("agora.learning.urls")),
    path("", include("agora.community.urls")),
    path("", include("agora.analytics.urls")),
    path("", include("agora.moderation.urls")),
    path("", include("agora.media.urls")),
    path("", include("agora.notifications.urls")),
    path("", include("agora.messaging.urls")),
    path("", include("agora.gamification.urls")),
    path("", include("agora.catalog.urls")),
]

if not settings.IS_PRODUCTION:
    # In production the web server or object storage serves uploads (the public folders
    # only: lesson files go through signed links, see agora/media/signing.py).
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve_public_media)]

handler404 = "agora.core.views.page_not_found"
handler500 = "agora.core.views.server_error"
