"""The lesson player's read is remembered (agora/catalog/lesson_cache.py), and every way a
lesson, its resources, its module, its course or its video changes is seen by the next
read. Each test reads first, so that the lesson is cached when the change happens."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from agora.catalog import services
from agora.catalog.models import CourseStatus, Lesson, LessonType
from agora.catalog.services.files import video_ready
from agora.media.models import Video, VideoStatus
from agora.media.services import reprocess
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    UrlResourceFactory,
    api_for,
    course_with_curriculum,
    enroll,
)
from tests.catalog.test_lesson_media import VTT
from tests.learning.factories import lessons_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor, learner):
    course = course_with_curriculum(owner=instructor, modules=2, lessons=2)
    enroll(learner, course)
    return course


@pytest.fixture
def lessons(course) -> list[Lesson]:
    return lessons_of(course)


def read(api, lesson: Lesson):  # type: ignore[no-untyped-def]
    return api.get(f"/lessons/{lesson.pk}")


def cached(api, lesson: Lesson) -> dict:  # type: ignore[no-untyped-def]
    """Reads twice: the second answer comes from the cache (no query asks for the row)."""
    first = read(api, lesson)
    assert first.status_code == 200, first.content
    assert read(api, lesson).json() == first.json()
    return first.json()


def test_a_second_read_asks_the_database_nothing(
    learner_api, lessons, django_assert_num_queries
) -> None:
    read(learner_api, lessons[1])

    with django_assert_num_queries(0):
        assert read(learner_api, lessons[1]).json()["id"] == lessons[1].pk


def test_an_edited_lesson_is_read_as_edited(learner_api, instructor_api, lessons) -> None:
    cached(learner_api, lessons[1])

    edited = instructor_api.patch(f"/lessons/{lessons[1].pk}", {"title": "Renamed"})

    assert edited.status_code == 200, edited.content

    assert read(learner_api, lessons[1]).json()["title"] == "Renamed"


def test_reordered_lessons_come_with_their_new_positions(
    learner_api, instructor_api, lessons
) -> None:
    first, second = lessons[0], lessons[1]
    assert (cached(learner_api, first)["position"], cached(learner_api, second)["position"]) == (
        1,
        2,
    )

    answer = instructor_api.put(
        f"/modules/{first.module_id}/lessons/order", {"lesson_ids": [second.pk, first.pk]}
    )

    assert answer.status_code == 200, answer.content
    assert read(learner_api, first).json()["position"] == 2
    assert read(learner_api, second).json()["position"] == 1


def test_a_moved_lesson_and_the_lessons_it_left_are_read_anew(
    learner_api, instructor_api, lessons
) -> None:
    moved, left_behind, target = lessons[0], lessons[1], lessons[2]
    for lesson in (moved, left_behind):
        cached(learner_api, lesson)

    answer = instructor_api.post(
        f"/lessons/{moved.pk}/move", {"module_id": target.module_id, "position": 1}
    )

    assert answer.status_code == 200, answer.content
    assert read(learner_api, moved).json()["module_id"] == target.module_id
    assert read(learner_api, moved).json()["position"] == 1
    assert read(learner_api, left_behind).json()["position"] == 1
    assert read(learner_api, target).json()["position"] == 2


def test_added_and_removed_resources_are_seen_at_once(learner_api, instructor_api, lessons) -> None:
    assert cached(learner_api, lessons[1])["resources"] == []

    resource = UrlResourceFactory(lesson=lessons[1], title="Slides")
    assert [r["title"] for r in read(learner_api, lessons[1]).json()["resources"]] == ["Slides"]

    assert instructor_api.delete(f"/resources/{resource.pk}").status_code == 204
    assert read(learner_api, lessons[1]).json()["resources"] == []


def test_a_deleted_lesson_or_module_is_gone_at_once(learner_api, instructor_api, lessons) -> None:
    for lesson in lessons[:3]:
        cached(learner_api, lesson)

    assert instructor_api.delete(f"/lessons/{lessons[0].pk}").status_code == 204
    assert instructor_api.delete(f"/modules/{lessons[2].module_id}").status_code == 204

    assert read(learner_api, lessons[0]).status_code == 404
    assert read(learner_api, lessons[2]).status_code == 404
    assert read(learner_api, lessons[1]).json()["position"] == 1  # renumbered


def test_a_preview_taken_back_locks_the_lesson_for_visitors(api, instructor_api, lessons) -> None:
    preview = lessons[0]
    assert preview.is_preview
    cached(api, preview)

    answer = instructor_api.patch(f"/lessons/{preview.pk}", {"is_preview": False})

    assert answer.status_code == 200, answer.content
    assert read(api, preview).json()["error"]["code"] == "enrollment_required"


def test_an_unpublished_course_hides_its_previews_but_not_from_its_learners(
    api, learner_api, course, lessons
) -> None:
    preview = lessons[0]
    cached(api, preview)
    cached(learner_api, preview)

    services.unpublish_course(admin=UserFactory(is_staff=True), course=course, reason="Check")

    assert read(api, preview).status_code == 404
    assert read(learner_api, preview).status_code == 200  # learners keep access
    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT


def test_a_deleted_course_takes_its_lessons_along(instructor, instructor_api) -> None:
    draft = course_with_curriculum(owner=instructor, status=CourseStatus.DRAFT)
    lesson = lessons_of(draft)[1]
    cached(instructor_api, lesson)

    services.delete_course(user=instructor, course=draft)

    assert read(instructor_api, lesson).status_code == 404


def test_a_video_turning_ready_or_processed_again_is_seen_at_once(
    learner_api, instructor, lessons
) -> None:
    lesson = lessons[1]
    video = Video.objects.create(
        owner=instructor, status=VideoStatus.PROCESSING, source="videos/sources/a.mp4"
    )
    Lesson.objects.filter(pk=lesson.pk).update(type=LessonType.VIDEO, video=video)
    cached(learner_api, lesson)

    # What the pipeline does when it finishes: the row, then the listeners.
    Video.objects.filter(pk=video.pk).update(status=VideoStatus.READY, duration_seconds=61.4)
    video.refresh_from_db()
    video_ready(video)

    assert read(learner_api, lesson).json()["duration_seconds"] == 61

    with connection.cursor() as cursor:  # past the ORM: nothing is told, so it is remembered
        cursor.execute("UPDATE catalog_lesson SET duration_seconds = 5 WHERE id = %s", [lesson.pk])
    assert read(learner_api, lesson).json()["duration_seconds"] == 61
    reprocess(video=video)  # a save of the video: its lessons are read anew
    assert read(learner_api, lesson).json()["duration_seconds"] == 5


def test_new_subtitles_are_linked_at_once_and_removed_ones_unlinked(
    learner_api, instructor, lessons
) -> None:
    lesson = lessons[1]
    Lesson.objects.filter(pk=lesson.pk).update(type=LessonType.VIDEO)
    assert cached(learner_api, lesson)["subtitles_url"] is None

    lesson.refresh_from_db()
    upload = SimpleUploadedFile("s.vtt", VTT.encode())
    services.set_lesson_subtitles(user=instructor, lesson=lesson, upload=upload)

    assert read(learner_api, lesson).json()["subtitles_url"].startswith("/media-signed/")
    services.remove_lesson_file(user=instructor, lesson=lesson, kind="subtitles")
    assert read(learner_api, lesson).json()["subtitles_url"] is None


def test_any_update_of_lessons_forgets_them(learner_api, lessons) -> None:
    cached(learner_api, lessons[1])

    Lesson.objects.filter(module_id=lessons[1].module_id).update(title="Bulk renamed")

    assert read(learner_api, lessons[1]).json()["title"] == "Bulk renamed"


def test_without_a_cache_the_lesson_is_read_from_the_database(
    learner, lessons, settings, django_assert_num_queries
) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    api = api_for(learner)
    assert read(api, lessons[1]).status_code == 200

    # The user, the lesson, the team, the enrollment, the resources.
    with django_assert_num_queries(5):
        assert read(api, lessons[1]).json()["id"] == lessons[1].pk
