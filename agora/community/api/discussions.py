"""The discussions API: Q&A with votes, lesson comments, private notes and announcements.
Paths and fields follow shared/API.md (Community II)."""

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from agora.accounts.auth import current_user, jwt_auth, viewer
from agora.accounts.types import Viewer
from agora.catalog import queries as catalog_queries
from agora.community.api.common import router
from agora.community.models import Answer, AnswerVote, Note, Question, QuestionVote
from agora.community.queries import discussions as queries
from agora.community.schemas import (
    AcceptIn,
    AnnouncementIn,
    AnnouncementOut,
    AnnouncementPatchIn,
    CommentIn,
    CommentOut,
    CommentPatchIn,
    MyNotesQuery,
    NoteIn,
    NoteOut,
    NotePatchIn,
    QaAnswerIn,
    QaAnswerOut,
    QaQuestionIn,
    QaQuestionOut,
    QaQuestionPatchIn,
    QuestionListQuery,
    UnansweredOut,
    VoteIn,
    VotesOut,
)
from agora.community.services import lessons as lesson_services
from agora.community.services import questions as qa
from agora.core.pagination import PagePagination
from agora.core.schemas import ErrorOut as E

READ = {401: E, 403: E, 404: E, 422: E}
WRITE = {401: E, 403: E, 404: E, 409: E, 422: E, 429: E}


def _with_my_votes(rows: QuerySet[Any], user: Viewer, votes: Any, field: str) -> QuerySet[Any]:
    if not user.is_authenticated:
        return rows
    mine = votes.objects.filter(**{field: OuterRef("pk"), "user": user}).values("value")[:1]
    return rows.annotate(my_vote=Subquery(mine))


def _course(user: Viewer, course_id: int) -> Any:
    course = catalog_queries.get_course_for_viewer(user=user, key=course_id)
    queries.check_can_read(user, course)
    return course


# --- questions -------------------------------------------------------------------------------


@router.get(
    "/courses/{course_id}/questions",
    response={200: list[QaQuestionOut], **READ},
    summary="A course's questions (members and admins; paginated)",
)
@paginate(PagePagination)
def list_questions(
    request: HttpRequest, course_id: int, params: Query[QuestionListQuery]
) -> QuerySet[Question]:
    user = viewer(request)
    course = _course(user, course_id)
    rows = queries.course_questions(
        user=user, course=course, lesson_id=params.lesson_id, q=params.q, sort=params.sort
    )
    return _with_my_votes(rows, user, QuestionVote, "question")


@router.post(
    "/courses/{course_id}/questions",
    auth=jwt_auth,
    response={201: QaQuestionOut, **WRITE},
    summary="Ask a question about a course, or one of its lessons",
)
def ask_question(request: HttpRequest, course_id: int, payload: QaQuestionIn) -> Status[Question]:
    user = current_user(request)
    course = catalog_queries.get_course_for_viewer(user=user, key=course_id)
    question = qa.ask(
        user=user,
        course=course,
        title=payload.title,
        body=payload.body,
        lesson_id=payload.lesson_id,
    )
    return Status(201, question)


@router.get("/questions/{question_id}", response={200: QaQuestionOut, **READ}, summary="A question")
def get_question(request: HttpRequest, question_id: int) -> Question:
    user = viewer(request)
    question = queries.get_question(user=user, question_id=question_id)
    return _with_my_votes(
        Question.objects.filter(pk=question.pk).select_related("author"),
        user,
        QuestionVote,
        "question",
    ).get()


@router.patch(
    "/questions/{question_id}",
    auth=jwt_auth,
    response={200: QaQuestionOut, **WRITE},
    summary="Edit a question (its author, or an admin)",
)
def edit_question(request: HttpRequest, question_id: int, payload: QaQuestionPatchIn) -> Question:
    user = current_user(request)
    question = queries.get_question(user=user, question_id=question_id)
    given = payload.model_dump(exclude_unset=True)
    return qa.edit_question(
        user=user,
        question=question,
        title=given.get("title"),
        body=given.get("body"),
        lesson_id=given["lesson_id"] if "lesson_id" in given else ...,
    )


@router.delete(
    "/questions/{question_id}",
    auth=jwt_auth,
    response={204: None, **WRITE},
    summary="Delete a question (its author, or an admin)",
)
def delete_question(request: HttpRequest, question_id: int) -> Status[None]:
    user = current_user(request)
    qa.delete_question(user=user, question=queries.get_question(user=user, question_id=question_id))
    return Status(204, None)


@router.post(
    "/questions/{question_id}/vote",
    auth=jwt_auth,
    response={200: VotesOut, **WRITE},
    summary="Vote a question up (1) or down (-1), or withdraw the vote (0)",
)
def vote_question(request: HttpRequest, question_id: int, payload: VoteIn) -> dict[str, int]:
    user = current_user(request)
    question = queries.get_question(user=user, question_id=question_id)
    return {"votes": qa.vote_question(user=user, question=question, value=payload.value)}


@router.post(
    "/questions/{question_id}/accept",
    auth=jwt_auth,
    response={200: QaQuestionOut, **WRITE},
    summary="Accept one answer (the asker or an instructor; null takes the mark off)",
)
def accept_answer(request: HttpRequest, question_id: int, payload: AcceptIn) -> Question:
    user = current_user(request)
    question = queries.get_question(user=user, question_id=question_id)
    return qa.accept(user=user, question=question, answer_id=payload.answer_id)


@router.get(
    "/instructor/questions/unanswered",
    auth=jwt_auth,
    response={200: list[UnansweredOut], 401: E},
    summary="Questions without an answer in the courses I teach, waiting longest first",
)
@paginate(PagePagination)
def unanswered_questions(request: HttpRequest) -> QuerySet[Question]:
    return queries.unanswered_for_instructor(current_user(request))


# --- answers ---------------------------------------------------------------------------------


@router.get(
    "/questions/{question_id}/answers",
    response={200: list[QaAnswerOut], **READ},
    summary="A question's answers: the accepted one first, then by votes",
)
@paginate(PagePagination)
def list_answers(request: HttpRequest, question_id: int) -> QuerySet[Answer]:
    user = viewer(request)
    question = queries.get_question(user=user, question_id=question_id)
    rows = queries.question_answers(user=user, question=question)
    return _with_my_votes(rows, user, AnswerVote, "answer")


@router.post(
    "/questions/{question_id}/answers",
    auth=jwt_auth,
    response={201: QaAnswerOut, **WRITE},
    summary="Answer a question (members of the course)",
)
def post_answer(request: HttpRequest, question_id: int, payload: QaAnswerIn) -> Status[Answer]:
    user = current_user(request)
    question = queries.get_question(user=user, question_id=question_id)
    return Status(201, qa.answer(user=user, question=question, body=payload.body))


@router.patch(
    "/answers/{answer_id}",
    auth=jwt_auth,
    response={200: QaAnswerOut, **WRITE},
    summary="Edit an answer (its author, or an admin)",
)
def edit_answer(request: HttpRequest, answer_id: int, payload: QaAnswerIn) -> Answer:
    user = current_user(request)
    answer = queries.get_answer(user=user, answer_id=answer_id)
    return qa.edit_answer(user=user, answer=answer, body=payload.body)


@router.delete(
    "/answers/{answer_id}",
    auth=jwt_auth,
    response={204: None, **WRITE},
    summary="Delete an answer (its author, or an admin)",
)
def delete_answer(request: HttpRequest, answer_id: int) -> Status[None]:
    user = current_user(request)
    qa.delete_answer(user=user, answer=queries.get_answer(user=user, answer_id=answer_id))
    return Status(204, None)


@router.post(
    "/answers/{answer_id}/vote",
    auth=jwt_auth,
    response={200: VotesOut, **WRITE},
    summary="Vote an answer up (1) or down (-1), or withdraw the vote (0)",
)
def vote_answer(request: HttpRequest, answer_id: int, payload: VoteIn) -> dict[str, int]:
    user = current_user(request)
    answer = queries.get_answer(user=user, answer_id=answer_id)
    return {"votes": qa.vote_answer(user=user, answer=answer, value=payload.value)}


# --- lesson comments -------------------------------------------------------------------------


@router.get(
    "/lessons/{lesson_id}/comments",
    response={200: list[CommentOut], **READ},
    summary="A lesson's comments and their replies, oldest first (paginated)",
)
@paginate(PagePagination)
def list_comments(request: HttpRequest, lesson_id: int) -> Any:
    user = viewer(request)
    lesson = queries.lesson_for_discussions(user=user, lesson_id=lesson_id)
    return queries.lesson_comments_flat(user=user, lesson=lesson)


@router.post(
    "/lessons/{lesson_id}/comments",
    auth=jwt_auth,
    response={201: CommentOut, **WRITE},
    summary="Comment on a lesson, or reply to a comment (one level of replies)",
)
def post_comment(request: HttpRequest, lesson_id: int, payload: CommentIn) -> Any:
    user = current_user(request)
    lesson = queries.lesson_for_discussions(user=user, lesson_id=lesson_id)
    row = lesson_services.comment(
        user=user, lesson=lesson, body=payload.body, parent_id=payload.parent_id
    )
    return Status(201, row)


@router.patch(
    "/comments/{comment_id}",
    auth=jwt_auth,
    response={200: CommentOut, **WRITE},
    summary="Edit a comment (its author, or an admin)",
)
def edit_comment(request: HttpRequest, comment_id: int, payload: CommentPatchIn) -> Any:
    user = current_user(request)
    row = queries.get_comment(user=user, comment_id=comment_id)
    return lesson_services.edit_comment(user=user, comment=row, body=payload.body)


@router.delete(
    "/comments/{comment_id}",
    auth=jwt_auth,
    response={204: None, **WRITE},
    summary="Delete a comment (its author, or an admin)",
)
def delete_comment(request: HttpRequest, comment_id: int) -> Status[None]:
    user = current_user(request)
    row = queries.get_comment(user=user, comment_id=comment_id)
    lesson_services.delete_comment(user=user, comment=row)
    return Status(204, None)


# --- notes -----------------------------------------------------------------------------------


@router.get(
    "/lessons/{lesson_id}/notes",
    auth=jwt_auth,
    response={200: list[NoteOut], **READ},
    summary="My private notes on a lesson, by video time",
)
@paginate(PagePagination)
def lesson_notes(request: HttpRequest, lesson_id: int) -> QuerySet[Note]:
    user = current_user(request)
    lesson = queries.lesson_for_discussions(user=user, lesson_id=lesson_id)
    return queries.my_notes(user=user, lesson=lesson)


@router.post(
    "/lessons/{lesson_id}/notes",
    auth=jwt_auth,
    response={201: NoteOut, **WRITE},
    summary="Take a private note on a lesson, optionally at a video time",
)
def add_note(request: HttpRequest, lesson_id: int, payload: NoteIn) -> Status[Note]:
    user = current_user(request)
    lesson = queries.lesson_for_discussions(user=user, lesson_id=lesson_id)
    note = lesson_services.add_note(
        user=user, lesson=lesson, body=payload.body, seconds=payload.seconds
    )
    return Status(201, note)


@router.get(
    "/me/notes",
    auth=jwt_auth,
    response={200: list[NoteOut], 401: E, 404: E, 422: E},
    summary="All my notes, or those of one course (course_id), in lesson order",
)
@paginate(PagePagination)
def my_notes(request: HttpRequest, params: Query[MyNotesQuery]) -> QuerySet[Note]:
    user = current_user(request)
    course = None
    if params.course_id is not None:
        course = catalog_queries.get_course_for_viewer(user=user, key=params.course_id)
    return queries.my_notes(user=user, course=course)


@router.patch(
    "/notes/{note_id}",
    auth=jwt_auth,
    response={200: NoteOut, **WRITE},
    summary="Change my note (anyone else's is 404)",
)
def edit_note(request: HttpRequest, note_id: int, payload: NotePatchIn) -> Note:
    user = current_user(request)
    note = queries.get_my_note(user=user, note_id=note_id)
    given = payload.model_dump(exclude_unset=True)
    return lesson_services.edit_note(
        user=user,
        note=note,
        body=given.get("body"),
        seconds=given["seconds"] if "seconds" in given else ...,
    )


@router.delete(
    "/notes/{note_id}",
    auth=jwt_auth,
    response={204: None, 401: E, 404: E},
    summary="Delete my note (anyone else's is 404)",
)
def delete_note(request: HttpRequest, note_id: int) -> Status[None]:
    user = current_user(request)
    lesson_services.delete_note(user=user, note=queries.get_my_note(user=user, note_id=note_id))
    return Status(204, None)


# --- announcements ---------------------------------------------------------------------------


@router.get(
    "/courses/{course_id}/announcements",
    response={200: list[AnnouncementOut], **READ},
    summary="A course's announcements, newest first (members and admins)",
)
@paginate(PagePagination)
def list_announcements(request: HttpRequest, course_id: int) -> Any:
    user = viewer(request)
    return queries.course_announcements(user=user, course=_course(user, course_id))


@router.post(
    "/courses/{course_id}/announcements",
    auth=jwt_auth,
    response={201: AnnouncementOut, **WRITE},
    summary="Post an announcement to a course's learners (its instructors)",
)
def post_announcement(request: HttpRequest, course_id: int, payload: AnnouncementIn) -> Any:
    user = current_user(request)
    course = catalog_queries.get_course_for_viewer(user=user, key=course_id)
    row = lesson_services.announce(user=user, course=course, title=payload.title, body=payload.body)
    return Status(201, row)


@router.patch(
    "/announcements/{announcement_id}",
    auth=jwt_auth,
    response={200: AnnouncementOut, **WRITE},
    summary="Edit an announcement (its author, or an admin)",
)
def edit_announcement(
    request: HttpRequest, announcement_id: int, payload: AnnouncementPatchIn
) -> Any:
    user = current_user(request)
    row = queries.get_announcement(user=user, announcement_id=announcement_id)
    given = payload.model_dump(exclude_unset=True)
    return lesson_services.edit_announcement(
        user=user, announcement=row, title=given.get("title"), body=given.get("body")
    )


@router.delete(
    "/announcements/{announcement_id}",
    auth=jwt_auth,
    response={204: None, **WRITE},
    summary="Delete an announcement (its author, or an admin)",
)
def delete_announcement(request: HttpRequest, announcement_id: int) -> Status[None]:
    user = current_user(request)
    row = queries.get_announcement(user=user, announcement_id=announcement_id)
    lesson_services.delete_announcement(user=user, announcement=row)
    return Status(204, None)
