"""A lesson read remembers who teaches the course and how the reader is enrolled (and the
lesson itself, tests/catalog/test_lesson_cache.py), so that the player's reads ask the
database nothing; every change to either is seen at once."""

import pytest
from django.core.cache import cache
from django.db import transaction

from agora.catalog import access
from agora.catalog.models import CourseInstructor
from agora.learning.services import grant_enrollment, revoke_enrollment
from tests.catalog.factories import (
    CoInstructorFactory,
    InstructorFactory,
    api_for,
    course_with_curriculum,
    enroll,
)
from tests.learning.factories import lessons_of


@pytest.fixture
def course(instructor):
    return course_with_curriculum(owner=instructor, price=2000, modules=1, lessons=2)


@pytest.fixture
def lesson(course):
    return next(lesson for lesson in lessons_of(course) if not lesson.is_preview)


def read(api, lesson):
    return api.get(f"/lessons/{lesson.pk}")


@pytest.mark.django_db
class TestLessonReadQueries:
    def test_an_enrolled_learner_reads_a_lesson_again_without_asking_for_rights(
        self, learner, learner_api, course, lesson, django_assert_num_queries
    ):
        enroll(learner, course)
        assert read(learner_api, lesson).status_code == 200

        # The lesson with its resources, who teaches it and the enrollment: all remembered.
        with django_assert_num_queries(0):
            assert read(learner_api, lesson).status_code == 200

    def test_a_co_instructor_reads_again_without_asking_who_teaches(
        self, course, lesson, django_assert_num_queries
    ):
        co = CoInstructorFactory(course=course)
        co_api = api_for(co.user)
        assert read(co_api, lesson).json()["id"] == lesson.pk

        with django_assert_num_queries(1):  # the quiz's questions (remembered: the rest)
            assert read(co_api, lesson).status_code == 200

    def test_without_a_cache_every_read_asks_the_database(
        self, learner, learner_api, course, lesson, settings, django_assert_num_queries
    ):
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
        enroll(learner, course)
        read(learner_api, lesson)

        # The user, the lesson, the team (once: it says both whether they may read and
        # whether they see the answers), the enrollment, the resources.
        with django_assert_num_queries(5):
            assert read(learner_api, lesson).status_code == 200


@pytest.mark.django_db
class TestEnrollmentChangesAreSeenAtOnce:
    def test_a_revoked_enrollment_locks_the_next_read(self, learner, learner_api, course, lesson):
        enroll(learner, course)
        assert read(learner_api, lesson).status_code == 200

        revoke_enrollment(learner=learner, course=course)

        answer = read(learner_api, lesson)
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "enrollment_required"

    def test_a_new_enrollment_opens_the_next_read(self, learner, learner_api, course, lesson):
        assert read(learner_api, lesson).status_code == 403  # not remembered as "no access"

        enroll(learner, course)

        assert read(learner_api, lesson).status_code == 200

    def test_bought_again_after_a_refund_opens_at_once(self, learner, learner_api, course, lesson):
        enroll(learner, course)
        read(learner_api, lesson)
        revoke_enrollment(learner=learner, course=course)
        assert read(learner_api, lesson).status_code == 403

        grant_enrollment(learner=learner, course=course, source="purchase")

        assert read(learner_api, lesson).status_code == 200

    def test_only_a_found_enrollment_is_remembered(self, learner, course):
        from agora.learning.queries import active_enrollment_source, enrollment_source_key

        key = enrollment_source_key(learner.pk, course.pk)
        assert active_enrollment_source(learner.pk, course.pk) is None
        assert cache.get(key) is None

        enroll(learner, course)

        assert active_enrollment_source(learner.pk, course.pk) == "grant"
        assert cache.get(key) == "grant"


@pytest.mark.django_db
class TestTeamChangesAreSeenAtOnce:
    def edits(self, api, course):
        return api.patch(f"/courses/{course.pk}", {"subtitle": "Edited"}).status_code

    def test_a_removed_co_instructor_loses_the_course_at_once(self, instructor_api, course, lesson):
        co = CoInstructorFactory(course=course)
        co_api = api_for(co.user)
        assert self.edits(co_api, course) == 200
        assert read(co_api, lesson).status_code == 200

        answer = instructor_api.put(f"/courses/{course.pk}/instructors", {"co_instructors": []})
        assert answer.status_code == 200

        assert self.edits(co_api, course) == 404
        assert read(co_api, lesson).status_code == 403

    def test_a_co_instructor_added_any_way_can_edit_at_once(self, course):
        person = InstructorFactory()
        person_api = api_for(person)
        assert self.edits(person_api, course) == 404  # the team is now remembered

        CourseInstructor.objects.create(course=course, user=person, revenue_share_percent=10)

        assert self.edits(person_api, course) == 200

    def test_a_co_instructor_deleted_row_by_row_is_forgotten(self, course):
        co = CoInstructorFactory(course=course)
        co_api = api_for(co.user)
        assert self.edits(co_api, course) == 200

        CourseInstructor.objects.filter(course=course).delete()

        assert self.edits(co_api, course) == 404

    def test_a_cached_lesson_carries_its_team(
        self, learner, learner_api, course, lesson, monkeypatch
    ):
        enroll(learner, course)
        assert read(learner_api, lesson).status_code == 200
        asked = []
        real = access.co_instructor_ids
        monkeypatch.setattr(access, "co_instructor_ids", lambda pk: asked.append(pk) or real(pk))

        assert read(learner_api, lesson).status_code == 200
        assert asked == []  # one round trip to the cache for the lesson, none for its team

    def test_a_co_instructor_added_any_way_reads_a_cached_lesson_at_once(self, course, lesson):
        person = InstructorFactory()
        person_api = api_for(person)
        assert read(person_api, lesson).status_code == 403  # the lesson is now remembered

        CourseInstructor.objects.create(course=course, user=person, revenue_share_percent=10)

        assert read(person_api, lesson).status_code == 200

    def test_a_co_instructor_deleted_row_by_row_loses_a_cached_lesson(self, course, lesson):
        co = CoInstructorFactory(course=course)
        co_api = api_for(co.user)
        assert read(co_api, lesson).status_code == 200

        CourseInstructor.objects.filter(course=course).delete()

        assert read(co_api, lesson).status_code == 403


@pytest.mark.django_db
class TestProgressRights:
    def test_the_first_report_after_a_read_asks_only_for_the_lesson(
        self, learner, learner_api, course, lesson, django_assert_num_queries
    ):
        from agora.learning.services import progress_rights

        enroll(learner, course)
        assert read(learner_api, lesson).status_code == 200  # the player opens the lesson

        with django_assert_num_queries(1):
            rights = progress_rights(learner, lesson.pk)

        assert (rights.course_id, rights.learner) == (course.pk, True)

    def test_an_instructor_goes_through_without_being_a_learner(self, instructor, lesson):
        from agora.learning.services import lock_enrollment, progress_rights

        assert progress_rights(instructor, lesson.pk).learner is False
        with transaction.atomic():
            assert lock_enrollment(instructor, lesson) is None

    def test_a_learner_revoked_between_the_check_and_the_read_is_refused(
        self, learner, course, lesson
    ):
        from agora.catalog.errors import EnrollmentRequired
        from agora.learning.models import Enrollment
        from agora.learning.queries import active_enrollment_source
        from agora.learning.services import lock_enrollment

        enroll(learner, course)
        assert active_enrollment_source(learner.pk, course.pk) == "grant"  # remembered
        # Revoked by a writer whose forgetting has not reached this process yet.
        Enrollment.objects.filter(learner=learner).update(revoked_at="2026-01-01T00:00:00Z")

        with pytest.raises(EnrollmentRequired), transaction.atomic():
            lock_enrollment(learner, lesson)
