"""The community's rows: reviews, questions and answers with their votes, lesson comments,
private notes and announcements."""

from agora.community.models.lessons import Announcement, Comment, Note
from agora.community.models.posts import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, VISIBLE, Post
from agora.community.models.qa import Answer, AnswerVote, Question, QuestionVote, VoteValue
from agora.community.models.reviews import (
    COMMENT_MAX_LENGTH,
    HIDDEN_REASON_MAX_LENGTH,
    MAX_RATING,
    MIN_RATING,
    REPLY_MAX_LENGTH,
    Review,
    ReviewQuerySet,
    ReviewVote,
)

__all__ = [
    "BODY_MAX_LENGTH",
    "COMMENT_MAX_LENGTH",
    "HIDDEN_REASON_MAX_LENGTH",
    "MAX_RATING",
    "MIN_RATING",
    "REPLY_MAX_LENGTH",
    "TITLE_MAX_LENGTH",
    "VISIBLE",
    "Announcement",
    "Answer",
    "AnswerVote",
    "Comment",
    "Note",
    "Post",
    "Question",
    "QuestionVote",
    "Review",
    "ReviewQuerySet",
    "ReviewVote",
    "VoteValue",
]
