"""Q&A: asking, answering, voting and accepting. Every change to a question's figures
(`votes`, `answers_count`, `accepted_answer`) happens under the question's row lock (SQLite
runs one writer at a time), so concurrent votes and answers never lose a count."""

from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.db.models import F, Model
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from agora.accounts.models import User
from agora.catalog import access
from agora.catalog.models import Course, Lesson
from agora.community import events, permissions
from agora.community.errors import CommunityError, OwnContent
from agora.community.models import Answer, AnswerVote, Question, QuestionVote
from agora.community.services import posting
from agora.core.errors import InvalidInput, PermissionDenied
from agora.core.events import emit
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify, notify_many

VOTE_VALUES = (-1, 0, 1)


def question_url(question: Question) -> str:
    return reverse("question_detail", args=[question.course.slug, question.pk])


def excerpt(html: str, words: int = 30) -> str:
    return Truncator(strip_tags(html)).words(words)


def _lesson_of(course: Course, lesson_id: int | None) -> Lesson | None:
    if lesson_id is None:
        return None
    lesson = (
        Lesson.objects.filter(pk=lesson_id, module__course=course).first()
        if 0 < lesson_id < 2**63
        else None
    )
    if lesson is None:
        raise InvalidInput(fields={"lesson_id": ["That lesson is not part of this course."]})
    return lesson


def _tell_mentioned(
    rendered: posting.Rendered,
    *,
    author: User,
    course: Course,
    what: str,
    url: str,
    skip: Collection[int] = (),
) -> None:
    people = [p for p in rendered.mentioned if p.pk != author.pk and p.pk not in skip]
    notify_many(
        people,
        NotificationKind.MENTION,
        title=f"{author.name} mentioned you in {what}",
        body=excerpt(rendered.html),
        url=url,
    )


def ask(
    *, user: User, course: Course, title: str, body: str, lesson_id: int | None = None
) -> Question:
    posting.require_member(user, course)
    title = posting.clean_title(title)
    body = posting.clean_text(body, field="body")
    lesson = _lesson_of(course, lesson_id)
    posting.check_rate(user)
    rendered = posting.render(body, course=course)
    with transaction.atomic():
        question = Question.objects.create(
            course=course,
            lesson=lesson,
            author=user,
            title=title,
            body=body,
            body_html=rendered.html,
        )
        _tell_mentioned(
            rendered,
            author=user,
            course=course,
            what=f"a question on {course.title}",
            url=question_url(question),
        )
    return question


def edit_question(
    *,
    user: User,
    question: Question,
    title: str | None = None,
    body: str | None = None,
    lesson_id: Any = ...,
) -> Question:
    """Changes what is given (`lesson_id=None` detaches it from its lesson)."""
    posting.require_author_or_admin(user, question)
    changed: list[str] = []
    if title is not None:
        question.title = posting.clean_title(title)
        changed.append("title")
    if body is not None:
        before = {p.pk for p in posting.render(question.body, course=question.course).mentioned}
        question.body = posting.clean_text(body, field="body")
        rendered = posting.render(question.body, course=question.course)
        question.body_html = rendered.html
        changed += ["body", "body_html"]
        _tell_mentioned(
            rendered,
            author=user,
            course=question.course,
            what=f"a question on {question.course.title}",
            url=question_url(question),
            skip=before,
        )
    if lesson_id is not ...:
        question.lesson = _lesson_of(question.course, lesson_id)
        changed.append("lesson")
    if changed:
        question.updated_at = timezone.now()
        question.save(update_fields=[*changed, "updated_at"])
    return question


def delete_question(*, user: User, question: Question) -> None:
    posting.require_author_or_admin(user, question)
    posting.remove(question, by=user, hide=False)


def answer(*, user: User, question: Question, body: str) -> Answer:
    course = question.course
    posting.require_member(user, course)
    body = posting.clean_text(body, field="body")
    posting.check_rate(user)
    rendered = posting.render(body, course=course)
    with transaction.atomic():
        Question.objects.select_for_update().filter(pk=question.pk).first()
        reply = Answer.objects.create(
            question=question,
            author=user,
            body=body,
            body_html=rendered.html,
            by_instructor=access.is_course_instructor(user, course),
        )
        Question.objects.filter(pk=question.pk).update(answers_count=F("answers_count") + 1)
        url = f"{question_url(question)}#answer-{reply.pk}"
        if question.author_id != user.pk:
            notify(
                question.author,
                NotificationKind.QUESTION_ANSWERED,
                title=f"{user.name} answered “{Truncator(question.title).chars(80)}”",
                body=excerpt(rendered.html),
                url=url,
            )
        _tell_mentioned(
            rendered,
            author=user,
            course=course,
            what=f"an answer on {course.title}",
            url=url,
            skip={question.author_id},
        )
    question.refresh_from_db(fields=["answers_count"])
    return reply


def edit_answer(*, user: User, answer: Answer, body: str) -> Answer:
    posting.require_author_or_admin(user, answer)
    course = answer.question.course
    before = {p.pk for p in posting.render(answer.body, course=course).mentioned}
    answer.body = posting.clean_text(body, field="body")
    rendered = posting.render(answer.body, course=course)
    answer.body_html = rendered.html
    answer.updated_at = timezone.now()
    answer.save(update_fields=["body", "body_html", "updated_at"])
    _tell_mentioned(
        rendered,
        author=user,
        course=course,
        what=f"an answer on {course.title}",
        url=f"{question_url(answer.question)}#answer-{answer.pk}",
        skip=before,
    )
    return answer


def recount_answers(question: Question) -> None:
    """After an answer leaves or returns: the visible answers counted again, and an accepted
    answer that is no longer visible no longer accepted. Under the question's lock."""
    with transaction.atomic():
        Question.objects.select_for_update().filter(pk=question.pk).first()
        visible = Answer.objects.visible().filter(question_id=question.pk)
        changes: dict[str, Any] = {"answers_count": visible.count()}
        accepted_id = (
            Question.objects.filter(pk=question.pk)
            .values_list("accepted_answer_id", flat=True)
            .first()
        )
        if accepted_id is not None and not visible.filter(pk=accepted_id).exists():
            changes["accepted_answer"] = None
        Question.objects.filter(pk=question.pk).update(**changes)
    question.refresh_from_db(fields=["answers_count", "accepted_answer"])


def delete_answer(*, user: User, answer: Answer) -> None:
    posting.require_author_or_admin(user, answer)
    with transaction.atomic():
        posting.remove(answer, by=user, hide=False)
        recount_answers(answer.question)


def _clean_vote(value: int | None) -> int:
    if value not in VOTE_VALUES:
        raise InvalidInput(fields={"value": ["Vote 1 (up), -1 (down) or 0 (withdraw)."]})
    return value


def _vote(
    *, user: User, post: Model, course: Course, rows: Any, field: str, value: int | None
) -> int:
    value = _clean_vote(value)
    if post.author_id == user.pk:  # type: ignore[attr-defined]
        raise OwnContent()
    posting.require_member(user, course)
    model = type(post)
    with transaction.atomic():
        model.objects.select_for_update().filter(pk=post.pk).first()  # type: ignore[attr-defined]
        existing = rows.objects.filter(**{field: post, "user": user}).first()
        old = existing.value if existing else 0
        if value != old:
            if value == 0:
                existing.delete()
            elif existing is not None:
                existing.value = value
                existing.save(update_fields=["value"])
            else:
                rows.objects.create(**{field: post, "user": user, "value": value})
            model.objects.filter(pk=post.pk).update(votes=F("votes") + (value - old))  # type: ignore[attr-defined]
            emit(events.VOTED, post_type=field, post=post, voter=user, old=old, new=value)
        votes: int = model.objects.filter(pk=post.pk).values_list("votes", flat=True).get()  # type: ignore[attr-defined]
    post.votes = votes  # type: ignore[attr-defined]
    return votes


def vote_question(*, user: User, question: Question, value: int | None) -> int:
    """Up (1), down (-1) or withdraw (0) the caller's one vote; answers the new total."""
    return _vote(
        user=user,
        post=question,
        course=question.course,
        rows=QuestionVote,
        field="question",
        value=value,
    )


def vote_answer(*, user: User, answer: Answer, value: int | None) -> int:
    return _vote(
        user=user,
        post=answer,
        course=answer.question.course,
        rows=AnswerVote,
        field="answer",
        value=value,
    )


def accept(*, user: User, question: Question, answer_id: int | None) -> Question:
    """The asker or an instructor marks one answer as the accepted one (`None` takes the mark
    off). Accepting another answer moves the mark."""
    if not permissions.can_accept_answer(user, question):
        raise PermissionDenied(
            "Only the person who asked or an instructor of the course can accept an answer.",
            code=CommunityError.NOT_AUTHOR,
        )
    with transaction.atomic():
        Question.objects.select_for_update().filter(pk=question.pk).first()
        chosen = None
        if answer_id is not None:
            chosen = (
                Answer.objects.visible().filter(pk=answer_id, question=question).first()
                if 0 < answer_id < 2**63
                else None
            )
            if chosen is None:
                raise InvalidInput(
                    fields={"answer_id": ["That is not an answer to this question."]}
                )
        previous_id = (
            Question.objects.filter(pk=question.pk)
            .values_list("accepted_answer_id", flat=True)
            .first()
        )
        Question.objects.filter(pk=question.pk).update(accepted_answer=chosen)
        question.accepted_answer = chosen
        if previous_id is not None and previous_id != (chosen.pk if chosen else None):
            previous = Answer.objects.get(pk=previous_id)
            emit(events.ANSWER_UNACCEPTED, answer=previous, question=question)
        if chosen is not None and chosen.pk != previous_id:
            emit(events.ANSWER_ACCEPTED, answer=chosen, question=question)
    return question


def hide(*, admin: User, post: Question | Answer) -> None:
    """An admin takes a question or an answer out of every list (moderation)."""
    with transaction.atomic():
        posting.remove(post, by=admin, hide=True)
        if isinstance(post, Answer):
            recount_answers(post.question)
