from django.urls import path

from agora.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read-all/", views.mark_all_read, name="notification_read_all"),
    path(
        "notifications/<int:notification_id>/read/",
        views.mark_one_read,
        name="notification_read",
    ),
    path(
        "notifications/<int:notification_id>/open/",
        views.open_notification,
        name="notification_open",
    ),
    path("settings/notifications/", views.notification_settings, name="notification_settings"),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="notification_unsubscribe",
    ),
]
