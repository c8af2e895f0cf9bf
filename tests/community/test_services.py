"""The review services decide who may act themselves: a refusal leaves the review and the
course's figures as they were, whichever way the service is reached."""

from decimal import Decimal

import pytest

from agora.community import services
from agora.community.models import Review
from agora.core.errors import PermissionDenied
from tests.accounts.factories import UserFactory
from tests.community.factories import enrolled_learner, review_of

pytestmark = pytest.mark.django_db


def snapshot(review: Review) -> dict[str, object]:
    fresh = Review.objects.select_related("course").get(pk=review.pk)
    return {
        "rating": fresh.rating,
        "comment": fresh.comment,
        "reply": fresh.reply,
        "replied_by": fresh.replied_by_id,
        "hidden_at": fresh.hidden_at,
        "hidden_by": fresh.hidden_by_id,
        "hidden_reason": fresh.hidden_reason,
        "figures": (fresh.course.average_rating, fresh.course.ratings_count),
    }


@pytest.fixture
def review(course):
    return review_of(enrolled_learner(course), course, rating=2, comment="Meh.")


@pytest.fixture
def bystanders(course):
    return {
        "the author": lambda review: review.learner,
        "another learner": lambda review: enrolled_learner(course),
        "the instructor": lambda review: course.owner,
    }


class TestModeration:
    @pytest.mark.parametrize("who", ["the author", "another learner", "the instructor"])
    def test_hiding_is_for_admins_and_a_refusal_changes_nothing(self, review, bystanders, who):
        before = snapshot(review)

        with pytest.raises(PermissionDenied) as refused:
            services.hide_review(admin=bystanders[who](review), review=review, reason="Spam")

        assert refused.value.code == "admin_required"
        assert snapshot(review) == before
        assert before["figures"] == (Decimal("2.00"), 1)

    @pytest.mark.parametrize("who", ["the author", "another learner", "the instructor"])
    def test_showing_again_is_for_admins_too(self, review, bystanders, staff, who):
        services.hide_review(admin=staff, review=review, reason="Spam")
        before = snapshot(review)

        with pytest.raises(PermissionDenied):
            services.unhide_review(admin=bystanders[who](review), review=review)

        assert snapshot(review) == before

    def test_hiding_a_review_another_admin_just_hid_keeps_the_first_decision(self, review, staff):
        stale = Review.objects.get(pk=review.pk)  # read before the first admin hid it
        services.hide_review(admin=staff, review=review, reason="Spam")
        before = snapshot(review)

        again = services.hide_review(admin=UserFactory(is_staff=True), review=stale, reason="Rude")

        assert (again.hidden_by_id, again.hidden_reason) == (staff.pk, "Spam")
        assert snapshot(review) == before


class TestReplies:
    @pytest.mark.parametrize("who", ["the author", "another learner"])
    def test_only_the_course_instructors_reply(self, review, bystanders, who):
        before = snapshot(review)

        with pytest.raises(PermissionDenied) as refused:
            services.reply_to_review(user=bystanders[who](review), review=review, body="Thanks")

        assert refused.value.code == "instructor_required"
        assert snapshot(review) == before

    def test_only_the_course_instructors_remove_a_reply(self, review, course):
        services.reply_to_review(user=course.owner, review=review, body="Thanks")
        before = snapshot(review)

        with pytest.raises(PermissionDenied):
            services.delete_reply(user=review.learner, review=review)

        assert snapshot(review) == before
        assert before["reply"] == "Thanks"


class TestEditing:
    def test_only_the_author_edits_a_review(self, review, course):
        before = snapshot(review)

        with pytest.raises(PermissionDenied) as refused:
            services.update_review(
                user=enrolled_learner(course),
                review=review,
                changes=services.ReviewChanges(rating=5, comment="Great!"),
            )

        assert refused.value.code == "not_review_author"
        assert snapshot(review) == before
