"""Page routes of gamification."""

from django.urls import path

from agora.gamification import views

urlpatterns = [
    path("me/progress/", views.my_progress, name="my_progress"),
    path("leaderboards/", views.leaderboards, name="leaderboards"),
    path("people/<int:user_id>/", views.public_profile, name="public_profile"),
]
