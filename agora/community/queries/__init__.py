"""Reads of the community app, scoped to who is asking."""

from agora.community.queries.reviews import (
    DEFAULT_SORT,
    REVIEW_SORTS,
    RatingSummary,
    course_reviews,
    export_reviews,
    get_review_for_admin,
    get_review_for_viewer,
    my_review,
    rating_summary,
)

__all__ = [
    "DEFAULT_SORT",
    "REVIEW_SORTS",
    "RatingSummary",
    "course_reviews",
    "export_reviews",
    "get_review_for_admin",
    "get_review_for_viewer",
    "my_review",
    "rating_summary",
]
