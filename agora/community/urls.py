"""Page routes of the community app: the reviews on course pages."""

from django.urls import path

from agora.community import views

urlpatterns = [
    path("courses/<slug:slug>/reviews/", views.course_reviews, name="course_reviews"),
    path("courses/<slug:slug>/reviews/save/", views.review_save, name="review_save"),
    path("reviews/<int:review_id>/reply/", views.review_reply, name="review_reply"),
    path("reviews/<int:review_id>/hide/", views.review_hide, name="review_hide"),
    path("reviews/<int:review_id>/unhide/", views.review_unhide, name="review_unhide"),
]
