"""Learning rows for tests: enrollments (through the service, so the course's figures
follow), progress, certificates, and courses completed for real."""

import factory
from django.test import TestCase
from django.utils import timezone

from agora.catalog.models import Course, Lesson
from agora.learning import services
from agora.learning.models import Certificate, Enrollment, EnrollmentSource, LessonProgress
from tests.accounts.factories import UserFactory
from tests.catalog.factories import CourseFactory, LessonFactory, course_with_curriculum


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """An active enrollment, granted by `services.grant_enrollment` as a purchase or a grant
    would be (so the course's enrollment count follows)."""

    class Meta:
        model = Enrollment

    learner = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    source = EnrollmentSource.GRANT

    @classmethod
    def _create(cls, model_class: type[Enrollment], *args: object, **kwargs: object) -> Enrollment:
        return services.grant_enrollment(**kwargs)  # type: ignore[arg-type]


class LessonProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonProgress

    user = factory.SubFactory(UserFactory)
    lesson = factory.SubFactory(LessonFactory)
    course = factory.LazyAttribute(lambda progress: progress.lesson.module.course)


class CertificateFactory(factory.django.DjangoModelFactory):
    """A certificate issued without its job (as if the worker had not picked it up yet), for
    a completed enrollment."""

    class Meta:
        model = Certificate

    enrollment = factory.SubFactory(EnrollmentFactory)
    issued_at = factory.LazyFunction(timezone.now)
    learner_name = factory.LazyAttribute(lambda c: c.enrollment.learner.name)
    course_title = factory.LazyAttribute(lambda c: c.enrollment.course.title)
    instructor_names = "Olivia Owner"


def lessons_of(course: Course) -> list[Lesson]:
    """The course's lessons in the order the curriculum lists them."""
    return list(
        Lesson.objects.filter(module__course=course).order_by("module__position", "position")
    )


def _certificate_of(learner, course: Course) -> Certificate:
    return Certificate.objects.get(enrollment__learner=learner, enrollment__course=course)


def finish(learner, course: Course) -> Certificate:
    """Completes every lesson of a course the learner is enrolled in; returns the
    certificate that earned them."""
    for lesson in lessons_of(course):
        services.complete_lesson(user=learner, lesson=lesson)
    return _certificate_of(learner, course)


def complete_course(learner, course: Course, *, run_jobs: bool = True) -> Certificate:
    """Enrolls the learner and completes every lesson. With `run_jobs` the on-commit work
    (the certificate job, then the email job) runs inline, as a worker would run it."""
    services.grant_enrollment(learner=learner, course=course, source="grant")
    if not run_jobs:
        return finish(learner, course)
    with TestCase.captureOnCommitCallbacks(execute=True):
        finish(learner, course)
    return _certificate_of(learner, course)  # as the job left it


def certificate_for(
    learner=None, *, run_jobs: bool = True, lessons: int = 2, **course_fields
) -> Certificate:
    """A certificate earned for real: a new course of `lessons` lessons, completed."""
    learner = learner or UserFactory()
    course = course_with_curriculum(modules=1, lessons=lessons, **course_fields)
    return complete_course(learner, course, run_jobs=run_jobs)
