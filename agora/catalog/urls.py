"""Page routes of the catalog: home, browse, course pages and the studio."""

from django.urls import path

from agora.catalog.views import curriculum, public, studio

urlpatterns = [
    path("", public.home, name="home"),
    path("courses/", public.browse, name="search"),
    path("search/suggest/", public.suggest, name="search_suggest"),
    path("courses/<slug:slug>/", public.course_detail, name="course_detail"),
    path(
        "courses/<slug:slug>/lessons/<int:lesson_id>/preview/",
        public.lesson_preview,
        name="lesson_preview",
    ),
    path(
        "resources/<int:resource_id>/download/",
        public.resource_download,
        name="resource_download",
    ),
    # The instructor studio.
    path("studio/", studio.studio, name="studio"),
    path("studio/become-instructor/", studio.become_instructor, name="studio_become_instructor"),
    path("studio/courses/new/", studio.course_new, name="studio_course_new"),
    path("studio/courses/<int:course_id>/", studio.course_edit, name="studio_course"),
    path(
        "studio/courses/<int:course_id>/curriculum/",
        curriculum.curriculum,
        name="studio_curriculum",
    ),
    path(
        "studio/courses/<int:course_id>/instructors/",
        studio.instructors,
        name="studio_instructors",
    ),
    path("studio/courses/<int:course_id>/submit/", studio.course_submit, name="studio_submit"),
    path(
        "studio/courses/<int:course_id>/duplicate/",
        studio.course_duplicate,
        name="studio_duplicate",
    ),
    path("studio/courses/<int:course_id>/delete/", studio.course_delete, name="studio_delete"),
    path(
        "studio/courses/<int:course_id>/modules/", curriculum.module_add, name="studio_module_add"
    ),
    path(
        "studio/courses/<int:course_id>/modules/order/",
        curriculum.module_order,
        name="studio_module_order",
    ),
    path(
        "studio/modules/<int:module_id>/rename/",
        curriculum.module_rename,
        name="studio_module_rename",
    ),
    path(
        "studio/modules/<int:module_id>/delete/",
        curriculum.module_delete,
        name="studio_module_delete",
    ),
    path("studio/modules/<int:module_id>/move/", curriculum.module_move, name="studio_module_move"),
    path(
        "studio/modules/<int:module_id>/lessons/order/",
        curriculum.lesson_order,
        name="studio_lesson_order",
    ),
    path(
        "studio/modules/<int:module_id>/lessons/new/",
        curriculum.lesson_new,
        name="studio_lesson_new",
    ),
    path("studio/lessons/<int:lesson_id>/", curriculum.lesson_edit, name="studio_lesson"),
    path(
        "studio/lessons/<int:lesson_id>/delete/",
        curriculum.lesson_delete,
        name="studio_lesson_delete",
    ),
    path("studio/lessons/<int:lesson_id>/move/", curriculum.lesson_move, name="studio_lesson_move"),
    path(
        "studio/lessons/<int:lesson_id>/move-to/",
        curriculum.lesson_move_to,
        name="studio_lesson_move_to",
    ),
    path(
        "studio/lessons/<int:lesson_id>/video/",
        curriculum.lesson_media,
        {"kind": "video"},
        name="studio_lesson_video",
    ),
    path(
        "studio/lessons/<int:lesson_id>/video/status/",
        curriculum.lesson_video_status,
        name="studio_lesson_video_status",
    ),
    path(
        "studio/lessons/<int:lesson_id>/subtitles/",
        curriculum.lesson_media,
        {"kind": "subtitles"},
        name="studio_lesson_subtitles",
    ),
    path(
        "studio/lessons/<int:lesson_id>/resources/",
        curriculum.resource_add,
        name="studio_resource_add",
    ),
    path(
        "studio/resources/<int:resource_id>/delete/",
        curriculum.resource_delete,
        name="studio_resource_delete",
    ),
]
