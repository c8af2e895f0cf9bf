"""Page routes of the community app: reviews on course pages, and each course's discussions
(Q&A, the player's tabs, notes, announcements) under /learn/<slug>/."""

from django.urls import path

from agora.community import views
from agora.community.views import discussions as talk

urlpatterns = [
    path("courses/<slug:slug>/reviews/", views.course_reviews, name="course_reviews"),
    path("courses/<slug:slug>/reviews/save/", views.review_save, name="review_save"),
    path("reviews/<int:review_id>/reply/", views.review_reply, name="review_reply"),
    path("reviews/<int:review_id>/helpful/", views.review_helpful, name="review_helpful"),
    path("reviews/<int:review_id>/hide/", views.review_hide, name="review_hide"),
    path("reviews/<int:review_id>/unhide/", views.review_unhide, name="review_unhide"),
    path("learn/<slug:slug>/questions/", talk.course_questions, name="course_questions"),
    path("learn/<slug:slug>/questions/ask/", talk.ask_question, name="ask_question"),
    path(
        "learn/<slug:slug>/questions/<int:question_id>/",
        talk.question_detail,
        name="question_detail",
    ),
    path(
        "learn/<slug:slug>/questions/<int:question_id>/answer/",
        talk.post_answer,
        name="post_answer",
    ),
    path(
        "learn/<slug:slug>/questions/<int:question_id>/accept/",
        talk.accept_answer,
        name="accept_answer",
    ),
    path(
        "learn/<slug:slug>/questions/<int:question_id>/delete/",
        talk.delete_question,
        name="delete_question",
    ),
    path(
        "learn/<slug:slug>/<str:kind>/<int:item_id>/vote/",
        talk.vote,
        name="vote",
    ),
    path(
        "learn/<slug:slug>/<str:kind>/<int:item_id>/edit/",
        talk.edit_post,
        name="edit_post",
    ),
    path("learn/<slug:slug>/lessons/<int:lesson_id>/qa/", talk.lesson_qa, name="lesson_qa"),
    path(
        "learn/<slug:slug>/lessons/<int:lesson_id>/comments/",
        talk.lesson_comments,
        name="lesson_comments",
    ),
    path(
        "learn/<slug:slug>/comments/<int:comment_id>/delete/",
        talk.delete_comment,
        name="delete_comment",
    ),
    path(
        "learn/<slug:slug>/lessons/<int:lesson_id>/notes/",
        talk.lesson_notes,
        name="lesson_notes",
    ),
    path("learn/<slug:slug>/notes/<int:note_id>/delete/", talk.delete_note, name="delete_note"),
    path("learn/<slug:slug>/notes/", talk.my_notes, name="my_notes"),
    path(
        "learn/<slug:slug>/announcements/",
        talk.course_announcements,
        name="course_announcements",
    ),
    path("studio/questions/", talk.unanswered_questions, name="studio_unanswered"),
]
