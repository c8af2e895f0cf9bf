"""Page routes of analytics: the admin dashboard."""

from django.urls import path

from agora.analytics import views

urlpatterns = [
    path("admin-dashboard/", views.dashboard, name="admin_dashboard"),
]
