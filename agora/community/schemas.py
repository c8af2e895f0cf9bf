from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from agora.community.models import (
    COMMENT_MAX_LENGTH,
    HIDDEN_REASON_MAX_LENGTH,
    MAX_RATING,
    MIN_RATING,
    REPLY_MAX_LENGTH,
    Review,
)
from agora.community.queries import RatingSummary
from agora.community.services import ReviewChanges


class ReviewIn(Schema):
    rating: int = Field(ge=MIN_RATING, le=MAX_RATING, description="Whole stars, 1 to 5.")
    comment: str = Field("", max_length=COMMENT_MAX_LENGTH)


class ReviewPatchIn(Schema):
    rating: int | None = Field(None, ge=MIN_RATING, le=MAX_RATING)
    comment: str | None = Field(None, max_length=COMMENT_MAX_LENGTH)

    def changes(self) -> ReviewChanges:
        return ReviewChanges(**self.model_dump(exclude_unset=True, exclude_none=True))


class ReplyIn(Schema):
    body: str = Field(min_length=1, max_length=REPLY_MAX_LENGTH)


class HideIn(Schema):
    reason: str = Field(min_length=1, max_length=HIDDEN_REASON_MAX_LENGTH)


class ReviewListQuery(Schema):
    sort: Literal["newest", "highest", "lowest"] = Field(
        "newest", description="newest, highest or lowest rating first."
    )


class LearnerOut(Schema):
    id: int
    name: str


class ReplyOut(Schema):
    body: str
    replied_at: datetime


class ReviewOut(Schema):
    id: int
    course_id: int
    rating: int
    comment: str
    learner: LearnerOut
    created_at: datetime
    updated_at: datetime
    reply: ReplyOut | None
    hidden: bool

    @staticmethod
    def resolve_learner(review: Review) -> dict[str, object]:
        return {"id": review.learner_id, "name": review.learner.name}

    @staticmethod
    def resolve_reply(review: Review) -> dict[str, object] | None:
        if not review.reply or review.replied_at is None:
            return None
        return {"body": review.reply, "replied_at": review.replied_at}

    @staticmethod
    def resolve_hidden(review: Review) -> bool:
        return review.hidden_at is not None


class RatingSummaryOut(Schema):
    average_rating: float
    ratings_count: int
    stars: dict[str, int] = Field(description='Visible reviews per star: {"1": n, …, "5": n}.')

    @staticmethod
    def resolve_average_rating(summary: RatingSummary) -> float:
        return float(summary.average_rating)
