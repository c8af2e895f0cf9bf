"""Page routes of the catalog: home, browse, course pages, the studio and the review queue."""

from django.urls import path

from agora.catalog import media, views

urlpatterns = [
    # Gated lesson media (videos, subtitles, files) through signed, expiring links.
    path("media-signed/<str:token>/", media.serve_signed, name="media_signed"),
    path("", views.home, name="home"),
    path("courses/", views.browse, name="search"),
    path("courses/<slug:slug>/", views.course_detail, name="course_detail"),
    path(
        "courses/<slug:slug>/lessons/<int:lesson_id>/preview/",
        views.lesson_preview,
        name="lesson_preview",
    ),
    path(
        "resources/<int:resource_id>/download/",
        views.resource_download,
        name="resource_download",
    ),
    # The instructor studio.
    path("studio/", views.studio, name="studio"),
    path("studio/become-instructor/", views.become_instructor, name="studio_become_instructor"),
    path("studio/courses/new/", views.course_new, name="studio_course_new"),
    path("studio/courses/<int:course_id>/", views.course_edit, name="studio_course"),
    path(
        "studio/courses/<int:course_id>/curriculum/",
        views.curriculum,
        name="studio_curriculum",
    ),
    path(
        "studio/courses/<int:course_id>/instructors/",
        views.instructors,
        name="studio_instructors",
    ),
    path("studio/courses/<int:course_id>/submit/", views.course_submit, name="studio_submit"),
    path(
        "studio/courses/<int:course_id>/duplicate/",
        views.course_duplicate,
        name="studio_duplicate",
    ),
    path("studio/courses/<int:course_id>/delete/", views.course_delete, name="studio_delete"),
    path("studio/courses/<int:course_id>/modules/", views.module_add, name="studio_module_add"),
    path(
        "studio/courses/<int:course_id>/modules/order/",
        views.module_order,
        name="studio_module_order",
    ),
    path(
        "studio/modules/<int:module_id>/rename/", views.module_rename, name="studio_module_rename"
    ),
    path(
        "studio/modules/<int:module_id>/delete/", views.module_delete, name="studio_module_delete"
    ),
    path("studio/modules/<int:module_id>/move/", views.module_move, name="studio_module_move"),
    path(
        "studio/modules/<int:module_id>/lessons/order/",
        views.lesson_order,
        name="studio_lesson_order",
    ),
    path("studio/modules/<int:module_id>/lessons/new/", views.lesson_new, name="studio_lesson_new"),
    path("studio/lessons/<int:lesson_id>/", views.lesson_edit, name="studio_lesson"),
    path(
        "studio/lessons/<int:lesson_id>/delete/", views.lesson_delete, name="studio_lesson_delete"
    ),
    path("studio/lessons/<int:lesson_id>/move/", views.lesson_move, name="studio_lesson_move"),
    path(
        "studio/lessons/<int:lesson_id>/move-to/",
        views.lesson_move_to,
        name="studio_lesson_move_to",
    ),
    path(
        "studio/lessons/<int:lesson_id>/video/",
        views.lesson_media,
        {"kind": "video"},
        name="studio_lesson_video",
    ),
    path(
        "studio/lessons/<int:lesson_id>/subtitles/",
        views.lesson_media,
        {"kind": "subtitles"},
        name="studio_lesson_subtitles",
    ),
    path(
        "studio/lessons/<int:lesson_id>/resources/",
        views.resource_add,
        name="studio_resource_add",
    ),
    path(
        "studio/resources/<int:resource_id>/delete/",
        views.resource_delete,
        name="studio_resource_delete",
    ),
    # The admins' review queue.
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
