"""A course's average_rating and ratings_count are exact after every change, including many
reviews written at the same moment (real threads, real transactions, on either database)."""

from decimal import Decimal

import pytest

from agora.catalog.models import Course
from agora.community import services
from agora.community.errors import AlreadyReviewed
from agora.community.models import Review
from agora.community.services import ReviewChanges
from tests.accounts.factories import UserFactory
from tests.catalog.factories import CourseFactory
from tests.community.factories import enrolled_learner
from tests.concurrency import run_at_once


def figures(course) -> tuple[Decimal, int]:
    course.refresh_from_db()
    return course.average_rating, course.ratings_count


@pytest.mark.django_db
class TestExactFigures:
    def test_create_edit_hide_unhide(self, course):
        staff = UserFactory(is_staff=True)
        people = [enrolled_learner(course) for _ in range(3)]
        reviews = [
            services.create_review(learner=person, course=course, rating=rating)
            for person, rating in zip(people, [5, 4, 4], strict=True)
        ]
        assert figures(course) == (Decimal("4.33"), 3)

        services.update_review(user=people[1], review=reviews[1], changes=ReviewChanges(rating=1))
        assert figures(course) == (Decimal("3.33"), 3)

        services.hide_review(admin=staff, review=reviews[0], reason="Spam")
        assert figures(course) == (Decimal("2.50"), 2)

        services.update_review(user=people[0], review=reviews[0], changes=ReviewChanges(rating=1))
        assert figures(course) == (Decimal("2.50"), 2)  # hidden: does not count

        services.unhide_review(admin=staff, review=reviews[0])
        assert figures(course) == (Decimal("2.00"), 3)

        for review in reviews:
            services.hide_review(admin=staff, review=review, reason="All gone")
        assert figures(course) == (Decimal("0.00"), 0)

    def test_averages_round_half_up_to_two_decimals(self, course):
        for rating in [5, 5, 4]:
            services.create_review(learner=enrolled_learner(course), course=course, rating=rating)
        assert figures(course) == (Decimal("4.67"), 3)

        services.create_review(learner=enrolled_learner(course), course=course, rating=5)
        services.create_review(learner=enrolled_learner(course), course=course, rating=5)
        services.create_review(learner=enrolled_learner(course), course=course, rating=5)
        services.create_review(learner=enrolled_learner(course), course=course, rating=5)
        services.create_review(learner=enrolled_learner(course), course=course, rating=1)
        # 35 / 8 = 4.375 → 4.38
        assert figures(course) == (Decimal("4.38"), 8)

    def test_the_figures_are_recomputed_not_adjusted(self, course):
        """Wrong figures (say, copied from elsewhere) are corrected by the next change."""
        Course.objects.filter(pk=course.pk).update(
            average_rating=Decimal("4.90"), ratings_count=999
        )

        services.create_review(learner=enrolled_learner(course), course=course, rating=3)

        assert figures(course) == (Decimal("3.00"), 1)


@pytest.mark.django_db(transaction=True)
def test_many_learners_reviewing_at_once_leave_exact_figures():
    course = CourseFactory()
    ratings = [5, 4, 3, 5, 2, 5, 4, 1]
    people = [enrolled_learner(course) for _ in ratings]

    results = run_at_once(
        [
            lambda person=person, rating=rating: services.create_review(
                learner=person, course=course, rating=rating, comment="At once"
            )
            for person, rating in zip(people, ratings, strict=True)
        ]
    )

    assert all(isinstance(result, Review) for result in results), results
    assert Review.objects.filter(course=course).count() == 8
    # 29 / 8 = 3.625 → 3.63
    assert figures(course) == (Decimal("3.63"), 8)


@pytest.mark.django_db(transaction=True)
def test_one_learner_posting_twice_at_once_makes_one_review():
    course = CourseFactory()
    person = enrolled_learner(course)

    results = run_at_once(
        [
            lambda rating=rating: services.create_review(
                learner=person, course=course, rating=rating
            )
            for rating in (5, 1, 3)
        ]
    )

    created = [r for r in results if isinstance(r, Review)]
    refused = [r for r in results if isinstance(r, AlreadyReviewed)]
    assert (len(created), len(refused)) == (1, 2), results
    assert figures(course) == (Decimal(created[0].rating), 1)


@pytest.mark.django_db(transaction=True)
def test_edits_hides_and_new_reviews_at_once_leave_exact_figures():
    course = CourseFactory()
    staff = UserFactory(is_staff=True)
    authors = [enrolled_learner(course) for _ in range(4)]
    reviews = [
        services.create_review(learner=person, course=course, rating=3) for person in authors
    ]
    newcomers = [enrolled_learner(course) for _ in range(3)]

    run_at_once(
        [
            lambda: services.update_review(
                user=authors[0], review=reviews[0], changes=ReviewChanges(rating=5)
            ),
            lambda: services.update_review(
                user=authors[1], review=reviews[1], changes=ReviewChanges(rating=1)
            ),
            lambda: services.hide_review(admin=staff, review=reviews[2], reason="Spam"),
            *[
                lambda person=person: services.create_review(
                    learner=person, course=course, rating=5
                )
                for person in newcomers
            ],
        ]
    )

    # Visible: 5, 1, 3 (the fourth author) and three new 5s = 24 / 6 = 4.00
    assert figures(course) == (Decimal("4.00"), 6)
    visible = Review.objects.filter(course=course, hidden_at__isnull=True)
    assert sorted(visible.values_list("rating", flat=True)) == [1, 3, 5, 5, 5, 5]
