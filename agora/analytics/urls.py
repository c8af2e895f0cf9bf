"""Page routes of analytics: the dashboards and export downloads."""

from django.urls import path

from agora.analytics import views

urlpatterns = [
    path("admin-dashboard/", views.dashboard, name="admin_dashboard"),
    path("admin-dashboard/analytics/", views.admin_analytics, name="admin_analytics"),
    path("studio/analytics/", views.instructor_analytics, name="studio_analytics"),
    path("exports/", views.export_list, name="analytics_exports"),
    path("exports/<str:token>/", views.download_export, name="analytics_export_download"),
]
