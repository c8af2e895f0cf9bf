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


class HelpfulIn(Schema):
    helpful: bool = True


class HelpfulOut(Schema):
    helpful_count: int
    helpful: bool


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
    helpful_count: int

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


# --- discussions: Q&A, comments, notes, announcements ----------------------------------------


class PostAuthorOut(Schema):
    id: int
    name: str


class QaAnswerAuthorOut(PostAuthorOut):
    is_instructor: bool = False


class _PostOut(Schema):
    body: str
    body_html: str = Field(description="The body rendered from Markdown and sanitised.")
    created_at: datetime
    updated_at: datetime
    hidden: bool = Field(False, description="Hidden by an admin (only admins see it).")
    deleted: bool = Field(False, description="Deleted by its author (only admins see it).")

    @staticmethod
    def resolve_hidden(obj: object) -> bool:
        return getattr(obj, "hidden_at", None) is not None

    @staticmethod
    def resolve_deleted(obj: object) -> bool:
        return getattr(obj, "deleted_at", None) is not None


class QaQuestionIn(Schema):
    title: str
    body: str
    lesson_id: int | None = None


class QaQuestionPatchIn(Schema):
    title: str | None = None
    body: str | None = None
    lesson_id: int | None = None


class QaQuestionOut(_PostOut):
    id: int
    course_id: int
    lesson_id: int | None
    title: str
    author: PostAuthorOut
    votes: int
    answers_count: int
    accepted_answer_id: int | None
    my_vote: int = Field(0, description="The caller's vote: 1, -1 or 0.")

    @staticmethod
    def resolve_my_vote(obj: object) -> int:
        return getattr(obj, "my_vote", None) or 0


class QuestionListQuery(Schema):
    lesson_id: int | None = None
    q: str = Field("", max_length=500, description="Words in the title or body.")
    sort: Literal["recent", "votes", "unanswered"] = Field(
        "recent", description="recent, votes (most first) or unanswered (no answer yet)."
    )


class QaAnswerIn(Schema):
    body: str


class QaAnswerOut(_PostOut):
    id: int
    question_id: int
    author: QaAnswerAuthorOut
    votes: int
    accepted: bool
    my_vote: int = 0

    @staticmethod
    def resolve_author(obj: object) -> dict[str, object]:
        author = obj.author  # type: ignore[attr-defined]
        return {"id": author.pk, "name": author.name, "is_instructor": obj.by_instructor}  # type: ignore[attr-defined]

    @staticmethod
    def resolve_accepted(obj: object) -> bool:
        marked = getattr(obj, "is_accepted", None)
        if marked is not None:
            return bool(marked)
        return obj.question.accepted_answer_id == obj.pk  # type: ignore[attr-defined]

    @staticmethod
    def resolve_my_vote(obj: object) -> int:
        return getattr(obj, "my_vote", None) or 0


class VoteIn(Schema):
    value: int = Field(description="1 (up), -1 (down) or 0 (withdraw my vote).")


class VotesOut(Schema):
    votes: int


class AcceptIn(Schema):
    answer_id: int | None = Field(description="The answer to accept; null takes the mark off.")


class CommentIn(Schema):
    body: str
    parent_id: int | None = None


class CommentPatchIn(Schema):
    body: str


class CommentOut(_PostOut):
    id: int
    lesson_id: int
    author: PostAuthorOut
    parent_id: int | None


class NoteIn(Schema):
    body: str
    seconds: int | None = Field(None, description="The video time the note is about.")


class NotePatchIn(Schema):
    body: str | None = None
    seconds: int | None = None


class NoteLessonOut(Schema):
    id: int
    title: str


class NoteOut(Schema):
    id: int
    course_id: int
    lesson_id: int
    lesson: NoteLessonOut
    body: str
    seconds: int | None
    created_at: datetime
    updated_at: datetime


class MyNotesQuery(Schema):
    course_id: int | None = None


class AnnouncementIn(Schema):
    title: str
    body: str


class AnnouncementPatchIn(Schema):
    title: str | None = None
    body: str | None = None


class AnnouncementOut(_PostOut):
    id: int
    course_id: int
    title: str
    author: PostAuthorOut


class QaCourseOut(Schema):
    id: int
    slug: str
    title: str


class UnansweredOut(QaQuestionOut):
    course: QaCourseOut
