"""The community's pages: reviews on course pages, Q&A, lesson comments, notes and
announcements."""

from agora.community.views import discussions
from agora.community.views.reviews import (
    course_reviews,
    review_helpful,
    review_hide,
    review_reply,
    review_save,
    review_unhide,
)

__all__ = [
    "course_reviews",
    "discussions",
    "review_helpful",
    "review_hide",
    "review_reply",
    "review_save",
    "review_unhide",
]
