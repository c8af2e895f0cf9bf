"""Reads of Q&A, lesson comments, notes and announcements, scoped to who is asking.

Members of a course (its instructors and enrolled learners) read its discussions; admins
read them too, removed posts included. A course the viewer may not see is 404; one they
see but do not take part in is 403 `enrollment_required`. Notes are their author's alone."""

from typing import Any

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.catalog import access
from agora.catalog import queries as catalog_queries
from agora.catalog.models import Course, Lesson
from agora.community import permissions, search
from agora.community.errors import CommunityError, MembershipRequired
from agora.community.models import (
    VISIBLE,
    Announcement,
    Answer,
    AnswerVote,
    Comment,
    Note,
    Question,
    QuestionVote,
)
from agora.core.errors import InvalidInput, NotFound

QUESTION_SORTS = ("recent", "votes", "unanswered")
DEFAULT_QUESTION_SORT = "recent"
_ORDER = {
    "recent": ["-created_at", "-id"],
    "votes": ["-votes", "-created_at", "-id"],
    "unanswered": ["-created_at", "-id"],
}


def _in_range(key: int) -> bool:
    return 0 < key < 2**63


def check_can_read(user: Viewer, course: Course) -> None:
    """The course is visible to the caller (else 404), and they take part in it (else 403)."""
    if not access.can_view_course(user, course):
        raise NotFound("There is no such course.", code=CommunityError.COURSE_NOT_FOUND)
    if not permissions.can_read_discussions(user, course):
        raise MembershipRequired()


def _one(rows: QuerySet[Any], key: int, missing: NotFound) -> Any:
    """The row with this id, or `missing` (also for ids no database integer holds)."""
    row = rows.filter(pk=key).first() if _in_range(key) else None
    if row is None:
        raise missing
    return row


def _visible_to(user: Viewer, rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows if permissions.can_moderate(user) else rows.filter(VISIBLE)


def lesson_for_discussions(*, user: Viewer, lesson_id: int) -> Lesson:
    lesson = catalog_queries.get_lesson(lesson_id)
    check_can_read(user, lesson.module.course)
    return lesson


# --- questions and answers -------------------------------------------------------------------


def course_questions(
    *,
    user: Viewer,
    course: Course,
    lesson_id: int | None = None,
    q: str = "",
    sort: str = DEFAULT_QUESTION_SORT,
) -> QuerySet[Question]:
    if sort not in QUESTION_SORTS:
        raise InvalidInput(fields={"sort": [f"Use one of: {', '.join(QUESTION_SORTS)}."]})
    rows = _visible_to(user, Question.objects.filter(course=course))
    if lesson_id is not None:
        rows = rows.filter(lesson_id=lesson_id)
    if sort == "unanswered":
        rows = rows.filter(answers_count=0)
    rows = search.matching(rows, q)
    return rows.select_related("author", "course").order_by(*_ORDER[sort])


def get_question(*, user: Viewer, question_id: int) -> Question:
    missing = NotFound("There is no such question.", code=CommunityError.QUESTION_NOT_FOUND)
    question: Question = _one(
        Question.objects.select_related("course", "course__owner", "author", "lesson"),
        question_id,
        missing,
    )
    check_can_read(user, question.course)
    if question.is_removed and not permissions.can_moderate(user):
        raise missing
    return question


def question_answers(*, user: Viewer, question: Question) -> QuerySet[Answer]:
    """The accepted answer first, then the best voted, then the oldest."""
    rows = _visible_to(user, Answer.objects.filter(question=question))
    accepted = question.accepted_answer_id or 0
    return (
        rows.select_related("author")
        .annotate(
            is_accepted=Case(
                When(pk=accepted, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("-is_accepted", "-votes", "created_at", "id")
    )


def get_answer(*, user: Viewer, answer_id: int) -> Answer:
    missing = NotFound("There is no such answer.", code=CommunityError.ANSWER_NOT_FOUND)
    answer: Answer = _one(
        Answer.objects.select_related(
            "question", "question__course", "question__course__owner", "author"
        ),
        answer_id,
        missing,
    )
    check_can_read(user, answer.question.course)
    removed = answer.is_removed or answer.question.is_removed
    if removed and not permissions.can_moderate(user):
        raise missing
    return answer


def my_votes(user: Viewer, *, questions: list[int] = (), answers: list[int] = ()) -> dict[str, int]:  # type: ignore[assignment]
    """The caller's votes on these items: `{"q<id>": 1, "a<id>": -1}`."""
    if not user.is_authenticated:
        return {}
    votes: dict[str, int] = {}
    for question_id, value in QuestionVote.objects.filter(
        user=user, question_id__in=list(questions)
    ).values_list("question_id", "value"):
        votes[f"q{question_id}"] = value
    for answer_id, value in AnswerVote.objects.filter(
        user=user, answer_id__in=list(answers)
    ).values_list("answer_id", "value"):
        votes[f"a{answer_id}"] = value
    return votes


def unanswered_for_instructor(user: User) -> QuerySet[Question]:
    """Questions with no answer yet in the courses the user teaches, oldest first (the ones
    waiting longest)."""
    taught = (
        Course.objects.filter(owner=user)
        .values("pk")
        .union(Course.objects.filter(co_instructors__user=user).values("pk"))
    )
    return (
        Question.objects.visible()
        .filter(course_id__in=taught, answers_count=0)
        .select_related("course", "author", "lesson")
        .order_by("created_at", "id")
    )


# --- lesson comments -------------------------------------------------------------------------


def lesson_comments(*, user: Viewer, lesson: Lesson) -> QuerySet[Comment]:
    """The lesson's comments, oldest first, each with its `replies` (oldest first)."""
    replies = _visible_to(user, Comment.objects.filter(lesson=lesson, parent__isnull=False))
    return (
        _visible_to(user, Comment.objects.filter(lesson=lesson, parent__isnull=True))
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "replies", queryset=replies.select_related("author").order_by("created_at", "id")
            )
        )
        .order_by("created_at", "id")
    )


def lesson_comments_flat(*, user: Viewer, lesson: Lesson) -> QuerySet[Comment]:
    """Every comment and reply under the lesson in the order they were written (the API's
    list: each carries its `parent_id`)."""
    rows = _visible_to(user, Comment.objects.filter(lesson=lesson))
    if not permissions.can_moderate(user):
        # A reply whose comment was removed goes with it.
        rows = rows.exclude(parent__hidden_at__isnull=False).exclude(
            parent__deleted_at__isnull=False
        )
    return rows.select_related("author").order_by("created_at", "id")


def get_comment(*, user: Viewer, comment_id: int) -> Comment:
    missing = NotFound("There is no such comment.", code=CommunityError.COMMENT_NOT_FOUND)
    comment: Comment = _one(
        Comment.objects.select_related("course", "course__owner", "author", "parent"),
        comment_id,
        missing,
    )
    check_can_read(user, comment.course)
    removed = comment.is_removed or (comment.parent is not None and comment.parent.is_removed)
    if removed and not permissions.can_moderate(user):
        raise missing
    return comment


# --- notes -----------------------------------------------------------------------------------


def my_notes(
    *, user: User, course: Course | None = None, lesson: Lesson | None = None
) -> QuerySet[Note]:
    """The caller's own notes, in the course's order of lessons, then by video time."""
    rows = Note.objects.filter(author=user).select_related("lesson", "lesson__module", "course")
    if course is not None:
        rows = rows.filter(course=course)
    if lesson is not None:
        rows = rows.filter(lesson=lesson)
    return rows.order_by(
        "course_id", "lesson__module__position", "lesson__position", "seconds", "created_at", "id"
    )


def get_my_note(*, user: User, note_id: int) -> Note:
    """Only ever the caller's own: anyone else's note (admins included) is 404."""
    return _one(
        Note.objects.select_related("lesson", "course").filter(author=user),
        note_id,
        NotFound("There is no such note.", code=CommunityError.NOTE_NOT_FOUND),
    )


# --- announcements ---------------------------------------------------------------------------


def course_announcements(*, user: Viewer, course: Course) -> QuerySet[Announcement]:
    return (
        _visible_to(user, Announcement.objects.filter(course=course))
        .select_related("author")
        .order_by("-created_at", "-id")
    )


def get_announcement(*, user: Viewer, announcement_id: int) -> Announcement:
    missing = NotFound("There is no such announcement.", code=CommunityError.ANNOUNCEMENT_NOT_FOUND)
    row: Announcement = _one(
        Announcement.objects.select_related("course", "course__owner", "author"),
        announcement_id,
        missing,
    )
    check_can_read(user, row.course)
    if row.is_removed and not permissions.can_moderate(user):
        raise missing
    return row


def has_instructor_answer(question: Question) -> bool:
    return Answer.objects.visible().filter(question=question, by_instructor=True).exists()


# --- personal data ---------------------------------------------------------------------------


def export_discussions(user: User) -> dict[str, Any]:
    def rows(queryset: QuerySet[Any], *fields: str) -> list[dict[str, Any]]:
        return [
            {**row, "created_at": row["created_at"].isoformat()}
            for row in queryset.filter(author=user).values(*fields, "created_at")
        ]

    return {
        "questions": rows(Question.objects.all(), "id", "course_id", "lesson_id", "title", "body"),
        "answers": rows(Answer.objects.all(), "id", "question_id", "body"),
        "comments": rows(Comment.objects.all(), "id", "lesson_id", "parent_id", "body"),
        "notes": rows(Note.objects.all(), "id", "lesson_id", "seconds", "body"),
        "announcements": rows(Announcement.objects.all(), "id", "course_id", "title", "body"),
    }
