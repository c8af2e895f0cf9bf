"""Enrollments decide who reads which course's lessons (agora.catalog.access is the one check)."""

import pytest
from django.utils import timezone

from agora.catalog import access
from agora.catalog.models import CourseDailyStat, CourseStatus
from agora.learning.models import Enrollment, EnrollmentSource
from agora.learning.queries import course_has_learners, has_active_enrollment
from agora.learning.services import grant_enrollment, revoke_enrollment
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    CoInstructorFactory,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
)
from tests.conftest import ApiClient


@pytest.fixture
def course(instructor):
    return CourseFactory(owner=instructor)


@pytest.mark.django_db
class TestGrantEnrollment:
    def test_creates_an_active_enrollment(self, learner, course):
        enrollment = grant_enrollment(learner=learner, course=course, source="free")

        assert enrollment.learner == learner
        assert enrollment.course == course
        assert enrollment.source == EnrollmentSource.FREE
        assert enrollment.revoked_at is None
        assert has_active_enrollment(learner, course)

    def test_twice_is_one_enrollment(self, learner, course):
        first = grant_enrollment(learner=learner, course=course, source="free")
        second = grant_enrollment(learner=learner, course=course, source="purchase")

        assert first.pk == second.pk
        assert Enrollment.objects.count() == 1
        course.refresh_from_db()
        assert course.enrollments_count == 1

    def test_a_revoked_enrollment_comes_back(self, learner, course):
        enrollment = grant_enrollment(learner=learner, course=course, source="purchase")
        Enrollment.objects.filter(pk=enrollment.pk).update(revoked_at=timezone.now())
        assert not has_active_enrollment(learner, course)

        again = grant_enrollment(learner=learner, course=course, source="grant")

        assert again.pk == enrollment.pk
        assert again.revoked_at is None
        assert again.source == EnrollmentSource.GRANT
        assert has_active_enrollment(learner, course)

    def test_coming_back_counts_again_everywhere(
        self, learner, course, api, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            grant_enrollment(learner=learner, course=course, source="purchase")
            revoke_enrollment(learner=learner, course=course)
        assert api.get(f"/courses/{course.pk}").json()["enrollments_count"] == 0  # now cached

        with django_capture_on_commit_callbacks(execute=True):
            grant_enrollment(learner=learner, course=course, source="grant")

        assert api.get(f"/courses/{course.pk}").json()["enrollments_count"] == 1
        today = CourseDailyStat.objects.get(course=course, day=timezone.localdate())
        assert today.enrollments == 2

    def test_unknown_source_is_refused(self, learner, course):
        with pytest.raises(ValueError, match="unknown enrollment source"):
            grant_enrollment(learner=learner, course=course, source="lottery")
        assert Enrollment.objects.count() == 0


@pytest.mark.django_db
class TestAccess:
    def test_learner_access_follows_the_enrollment(self, learner, course):
        assert not access.has_learner_access(learner, course)

        grant_enrollment(learner=learner, course=course, source="free")

        assert access.has_learner_access(learner, course)
        assert access.can_read_lessons(learner, course)
        assert not access.can_edit_course(learner, course)

    def test_anonymous_has_no_access(self, course):
        from django.contrib.auth.models import AnonymousUser

        assert not access.has_learner_access(AnonymousUser(), course)
        assert not access.can_edit_course(AnonymousUser(), course)
        assert access.can_view_course(AnonymousUser(), course)

    def test_instructors_and_admins_edit(self, instructor, staff, course):
        co = CoInstructorFactory(course=course)

        assert access.can_edit_course(instructor, course)
        assert access.can_edit_course(co.user, course)
        assert access.can_edit_course(staff, course)
        assert not access.can_edit_course(UserFactory(), course)

    def test_course_has_learners_counts_revoked_ones_too(self, learner, course):
        assert not course_has_learners(course)
        enrollment = grant_enrollment(learner=learner, course=course, source="free")
        Enrollment.objects.filter(pk=enrollment.pk).update(revoked_at=timezone.now())

        assert course_has_learners(course)
        assert access.has_learners(course)


@pytest.mark.django_db
class TestLessonAccessOverTheApi:
    @pytest.fixture
    def lesson(self, course):
        return LessonFactory(module=ModuleFactory(course=course))

    def test_enrolled_learner_reads_a_locked_lesson(self, learner, learner_api, course, lesson):
        assert learner_api.get(f"/lessons/{lesson.pk}").status_code == 403

        grant_enrollment(learner=learner, course=course, source="free")

        assert learner_api.get(f"/lessons/{lesson.pk}").status_code == 200

    def test_an_enrollment_in_another_course_does_not_open_this_one(
        self, learner, learner_api, lesson
    ):
        grant_enrollment(learner=learner, course=CourseFactory(), source="free")

        response = learner_api.get(f"/lessons/{lesson.pk}")

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "enrollment_required"

    @pytest.mark.parametrize("status", [CourseStatus.ARCHIVED, CourseStatus.DRAFT])
    def test_learners_keep_access_when_the_course_leaves_the_catalog(
        self, learner, learner_api, course, lesson, status
    ):
        grant_enrollment(learner=learner, course=course, source="purchase")
        course.status = status
        course.save()

        assert learner_api.get(f"/lessons/{lesson.pk}").status_code == 200
        assert learner_api.get(f"/courses/{course.pk}").status_code == 200
        assert ApiClient().get(f"/lessons/{lesson.pk}").status_code == 404

    def test_revoked_learner_loses_access_to_a_hidden_course(
        self, learner, learner_api, course, lesson
    ):
        enrollment = grant_enrollment(learner=learner, course=course, source="purchase")
        Enrollment.objects.filter(pk=enrollment.pk).update(revoked_at=timezone.now())
        course.status = CourseStatus.ARCHIVED
        course.save()

        assert learner_api.get(f"/lessons/{lesson.pk}").status_code == 404
