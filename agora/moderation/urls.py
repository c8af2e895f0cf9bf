"""Page routes of moderation: the admins' course review queue."""

from django.urls import path

from agora.moderation import views

urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    path("review/courses/<int:course_id>/approve/", views.review_approve, name="review_approve"),
    path("review/courses/<int:course_id>/reject/", views.review_reject, name="review_reject"),
    path("review/courses/<int:course_id>/feature/", views.review_feature, name="review_feature"),
    path(
        "review/courses/<int:course_id>/unpublish/",
        views.review_unpublish,
        name="review_unpublish",
    ),
]

# Reports: from any page, and the admins' queue.
from agora.moderation import views_reports  # noqa: E402

urlpatterns += [
    path("reports/new/", views_reports.report_content, name="report_content"),
    path("admin-console/reports/", views_reports.report_queue, name="report_queue"),
    path(
        "admin-console/reports/<int:report_id>/resolve/",
        views_reports.report_resolve,
        name="report_resolve",
    ),
]

from agora.moderation import views_audit  # noqa: E402

urlpatterns += [path("admin-console/audit/", views_audit.audit_log, name="audit_log")]
