"""Reads of reviews, scoped to who is asking."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.catalog import access
from agora.catalog.models import Course
from agora.community.errors import CommunityError
from agora.community.models import MAX_RATING, MIN_RATING, Review
from agora.community.permissions import can_moderate_reviews, can_see_review
from agora.core.errors import InvalidInput, NotFound

REVIEW_SORTS: dict[str, list[str]] = {
    "newest": ["-created_at", "-id"],
    "highest": ["-rating", "-created_at", "-id"],
    "lowest": ["rating", "-created_at", "-id"],
}
DEFAULT_SORT = "newest"


def course_reviews(*, user: Viewer, course: Course, sort: str = DEFAULT_SORT) -> QuerySet[Review]:
    """The course's reviews in the asked order: visible ones, and hidden ones for admins."""
    if sort not in REVIEW_SORTS:
        raise InvalidInput(fields={"sort": [f"Use one of: {', '.join(REVIEW_SORTS)}."]})
    reviews = Review.objects.filter(course=course).select_related("learner")
    if not can_moderate_reviews(user):
        reviews = reviews.visible()
    return reviews.order_by(*REVIEW_SORTS[sort])


def my_review(*, user: Viewer, course: Course) -> Review | None:
    """The signed-in user's review of the course, hidden or not."""
    if not user.is_authenticated:
        return None
    return Review.objects.select_related("learner").filter(course=course, learner=user).first()


def get_review_for_viewer(*, user: Viewer, review_id: int) -> Review:
    """A review its viewer may know about: visible reviews of a course they can see, and
    hidden ones for their author and admins. Anything else is 404."""
    review = (
        Review.objects.select_related("learner", "course", "course__owner")
        .filter(pk=review_id)
        .first()
    )
    if review is None or not access.can_view_course(user, review.course):
        raise NotFound("There is no such review.", code=CommunityError.REVIEW_NOT_FOUND)
    if not can_see_review(user, review):
        raise NotFound("There is no such review.", code=CommunityError.REVIEW_NOT_FOUND)
    return review


def get_review_for_admin(*, review_id: int) -> Review:
    review = Review.objects.select_related("learner", "course").filter(pk=review_id).first()
    if review is None:
        raise NotFound("There is no such review.", code=CommunityError.REVIEW_NOT_FOUND)
    return review


@dataclass(frozen=True)
class RatingSummary:
    average_rating: Decimal
    ratings_count: int
    stars: dict[str, int]

    @property
    def bars(self) -> list[tuple[int, int]]:
        """(stars, count) from five stars down to one, as the page lists them."""
        return [(n, self.stars[str(n)]) for n in range(MAX_RATING, MIN_RATING - 1, -1)]


def rating_summary(course: Course) -> RatingSummary:
    """The course's average and count (kept exact by the services) with how many visible
    reviews gave each number of stars: one query."""
    counts = (
        Review.objects.visible()
        .filter(course=course)
        .aggregate(
            **{f"s{n}": Count("id", filter=Q(rating=n)) for n in range(MIN_RATING, MAX_RATING + 1)}
        )
    )
    return RatingSummary(
        average_rating=course.average_rating,
        ratings_count=course.ratings_count,
        stars={str(n): int(counts[f"s{n}"]) for n in range(MIN_RATING, MAX_RATING + 1)},
    )


def export_reviews(user: User) -> list[dict[str, Any]]:
    """The person's reviews for their data export."""
    return [
        {
            "course": {"id": review.course_id, "title": review.course.title},
            "rating": review.rating,
            "comment": review.comment,
            "created_at": review.created_at.isoformat(),
            "updated_at": review.updated_at.isoformat(),
            "reply": review.reply or None,
            "hidden": review.hidden_at is not None,
        }
        for review in Review.objects.filter(learner=user).select_related("course").order_by("pk")
    ]
