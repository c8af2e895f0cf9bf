"""The community's rows: reviews, questions and answers with their votes, lesson comments,
private notes and announcements."""

from agora.community.models.reviews import (
    COMMENT_MAX_LENGTH,
    HIDDEN_REASON_MAX_LENGTH,
    MAX_RATING,
    MIN_RATING,
    REPLY_MAX_LENGTH,
    Review,
    ReviewQuerySet,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "HIDDEN_REASON_MAX_LENGTH",
    "MAX_RATING",
    "MIN_RATING",
    "REPLY_MAX_LENGTH",
    "Review",
    "ReviewQuerySet",
]
