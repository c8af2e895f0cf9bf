"""Demo reviews: written for the active enrollments of demo learners, once."""

from io import StringIO

import pytest
from django.utils import timezone

from agora.community.models import Review
from agora.demo import reviews as demo
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.catalog.factories import CourseFactory, DraftCourseFactory, enroll

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    demo.seed(log=out.write)
    return out.getvalue()


def test_demo_learners_review_their_courses_once():
    # Fixed slugs: who writes a review follows a hash of the learner's email and the slug.
    courses = [CourseFactory(slug=f"demo-reviewed-{i}") for i in range(3)]
    learners = [UserFactory(email=f"learner{i}@agora.test") for i in range(12)]
    for learner in learners:
        for course in courses:
            enroll(learner, course)
    outsider = UserFactory(email="someone@example.com")
    enroll(outsider, courses[0])
    revoked = UserFactory(email="gone@agora.test")
    enroll(revoked, courses[0])
    Enrollment.objects.filter(learner=revoked).update(revoked_at=timezone.now())
    draft = DraftCourseFactory()
    enroll(learners[0], draft)

    first = seed()

    reviews = Review.objects.all()
    assert 20 <= reviews.count() <= 36  # most, not all, of the 36 enrollments
    assert not reviews.filter(learner__in=[outsider, revoked]).exists()
    assert not reviews.filter(course=draft).exists()
    assert reviews.exclude(reply="").exists()
    for course in courses:
        course.refresh_from_db()
        visible = Review.objects.filter(course=course)
        assert course.ratings_count == visible.count()
        total = sum(visible.values_list("rating", flat=True))
        assert abs(float(course.average_rating) - total / visible.count()) < 0.005
    assert "added now" in first

    before = list(Review.objects.order_by("pk").values())
    second = seed()

    assert list(Review.objects.order_by("pk").values()) == before
    assert "0 added now" in second


def test_reviews_follow_enrollments_that_arrive_later():
    course = CourseFactory(slug="reviews-arrive-later")
    seed()
    assert Review.objects.count() == 0

    for i in range(10):
        enroll(UserFactory(email=f"late{i}@agora.test"), course)
    seed()

    # One learner in five writes none, by a hash of the email and the slug: here 9 of 10.
    assert Review.objects.filter(course=course).count() == 9
