"""Catalog rows for tests: published courses by default, with their instructors."""

from typing import TYPE_CHECKING

import factory
from django.db.models import Max
from django.utils import timezone

from agora.catalog.models import (
    Category,
    Course,
    CourseInstructor,
    CourseStatus,
    Lesson,
    LessonType,
    Module,
    QuestionKind,
    QuizQuestion,
    Resource,
)
from tests.accounts.factories import UserFactory

if TYPE_CHECKING:
    from tests.conftest import ApiClient


class InstructorFactory(UserFactory):
    is_instructor = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Test category {n}")
    slug = factory.Sequence(lambda n: f"test-category-{n}")


class CourseFactory(factory.django.DjangoModelFactory):
    """A published course. `instructor_names` follows the owner, as the services keep it."""

    class Meta:
        model = Course

    owner = factory.SubFactory(InstructorFactory)
    title = factory.Sequence(lambda n: f"Course number {n}")
    slug = factory.Sequence(lambda n: f"course-number-{n}")
    subtitle = "A subtitle"
    description = "A description of what the course teaches."
    price = 1999
    currency = "USD"
    category = factory.SubFactory(CategoryFactory)
    status = CourseStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    instructor_names = factory.LazyAttribute(lambda course: course.owner.name)


class DraftCourseFactory(CourseFactory):
    status = CourseStatus.DRAFT
    published_at = None


def _next_position(model, **scope):
    return (model.objects.filter(**scope).aggregate(top=Max("position"))["top"] or 0) + 1


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Module {n}")
    position = factory.LazyAttribute(lambda m: _next_position(Module, course=m.course))


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    type = LessonType.TEXT
    body = "# Lesson body\n\nSome **content**."
    duration_seconds = 300
    position = factory.LazyAttribute(lambda lesson: _next_position(Lesson, module=lesson.module))


class QuizQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizQuestion

    lesson = factory.SubFactory(LessonFactory, type=LessonType.QUIZ, pass_percent=70)
    position = factory.Sequence(lambda n: n + 1)
    prompt = "Which one?"
    kind = QuestionKind.SINGLE
    options = factory.LazyFunction(lambda: ["a", "b", "c"])
    correct = factory.LazyFunction(lambda: [1])


class UrlResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    lesson = factory.SubFactory(LessonFactory)
    title = "Slides"
    url = "https://example.com/slides"


class CoInstructorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseInstructor

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory(InstructorFactory)
    revenue_share_percent = 20


def course_with_curriculum(*, modules: int = 2, lessons: int = 2, **course_fields) -> Course:
    """A course whose first lesson is a free preview."""
    course = CourseFactory(**course_fields)
    for module_index in range(modules):
        module = ModuleFactory(course=course)
        for lesson_index in range(lessons):
            LessonFactory(module=module, is_preview=module_index == 0 and lesson_index == 0)
    return course


def api_for(user) -> "ApiClient":
    """An API client signed in as `user` (a fresh access token, no login round trip)."""
    from agora.accounts.tokens import issue_access_token
    from tests.conftest import ApiClient

    return ApiClient(issue_access_token(user))


def enroll(learner, course):
    from agora.learning.services import grant_enrollment

    return grant_enrollment(learner=learner, course=course, source="grant")
