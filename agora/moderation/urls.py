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
