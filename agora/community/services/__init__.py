"""Every write of the community app, one module per kind of post."""

from agora.community.services.reviews import (
    ReviewChanges,
    create_review,
    delete_reply,
    hide_review,
    keep_reviews_on_erasure,
    mark_helpful,
    reply_to_review,
    unhide_review,
    update_review,
)

__all__ = [
    "ReviewChanges",
    "create_review",
    "delete_reply",
    "hide_review",
    "keep_reviews_on_erasure",
    "mark_helpful",
    "reply_to_review",
    "unhide_review",
    "update_review",
]
