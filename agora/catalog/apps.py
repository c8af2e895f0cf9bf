from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete


def _ensure_search_schema(using: str, **kwargs: Any) -> None:
    from django.db import connections

    from agora.catalog.search import ensure_search_schema

    ensure_search_schema(connections[using])


def _ensure_course_words(using: str, **kwargs: Any) -> None:
    from django.db import connections

    from agora.catalog.search_words import ensure_course_words

    ensure_course_words(connections[using])


def _ensure_totals(using: str, **kwargs: Any) -> None:
    from django.db import connections

    from agora.catalog.totals import ensure_totals

    ensure_totals(connections[using])


class CatalogConfig(AppConfig):
    name = "agora.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from agora.accounts.services import register_rename_listener
        from agora.catalog import access, lesson_media
        from agora.catalog.listeners import instructor_renamed
        from agora.catalog.services.files import video_ready
        from agora.media.processing import register_ready_listener

        # Infrastructure, not domain flow: keep the search index's, the course words' and the
        # totals' triggers in place.
        post_migrate.connect(_ensure_search_schema, sender=self)
        post_migrate.connect(_ensure_course_words, sender=self)
        post_migrate.connect(_ensure_totals, sender=self)
        register_rename_listener(instructor_renamed)
        lesson_media.register()
        # What the course detail and the lesson player read, sent with the API's counts.
        from agora.catalog.api.curriculum import plan_lesson_read
        from agora.catalog.api.discovery import plan_detail_read
        from agora.core import read_ahead

        read_ahead.register(plan_detail_read)
        read_ahead.register(plan_lesson_read)
        register_ready_listener(video_ready)
        # A cache of who teaches a course, not domain flow: forget it whenever that changes.
        from agora.catalog.models import CourseInstructor

        post_save.connect(access.forget_co_instructors, sender=CourseInstructor)
        post_delete.connect(access.forget_co_instructors, sender=CourseInstructor)
        # The same for the lessons the lesson player reads (lesson_cache). A course's or a
        # module's deletion reaches its lessons' own post_delete; a deleted video's lessons
        # are found before the delete sets their link to null.
        from agora.catalog import lesson_cache
        from agora.catalog.models import Course, Lesson, Module, Resource
        from agora.media.models import Video

        for model, receiver in (
            (Lesson, lesson_cache.lesson_saved),
            (Resource, lesson_cache.resource_saved),
            (Module, lesson_cache.module_saved),
            (Course, lesson_cache.course_saved),
            (Video, lesson_cache.video_saved),
        ):
            post_save.connect(receiver, sender=model)
        post_delete.connect(lesson_cache.lesson_saved, sender=Lesson)
        post_delete.connect(lesson_cache.resource_saved, sender=Resource)
        pre_delete.connect(lesson_cache.video_saved, sender=Video)
        post_save.connect(lesson_cache.team_changed, sender=CourseInstructor)
        post_delete.connect(lesson_cache.team_changed, sender=CourseInstructor)
