"""The discussion pages: a course's Q&A (list, question, answer, vote, accept), the player's
Q&A, comments and notes tabs (loaded with htmx when opened), "My notes", announcements and
the instructors' unanswered questions. Every write goes through the same services as the
API; without JavaScript each form posts and the page comes back."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from agora.accounts.models import User
from agora.catalog import queries as catalog_queries
from agora.catalog.models import Course, Lesson
from agora.community import permissions
from agora.community.models import Question
from agora.community.queries import discussions as queries
from agora.community.services import lessons as lesson_services
from agora.community.services import questions as qa
from agora.core.errors import DomainError, InvalidInput
from agora.core.htmx import is_htmx
from agora.core.pagination import page_from_request
from agora.core.redirects import local_target

PAGE_SIZE = 20
TAB_QUESTIONS = 10


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # behind login_required


def _course(request: HttpRequest, slug: str) -> Course:
    course = catalog_queries.get_course_for_viewer(user=request.user, key=slug)
    queries.check_can_read(request.user, course)
    return course


def _lesson(request: HttpRequest, slug: str, lesson_id: int) -> tuple[Course, Lesson]:
    course = _course(request, slug)
    lesson = catalog_queries.get_lesson(lesson_id)
    if lesson.module.course_id != course.pk:
        raise Http404("There is no such lesson in this course.")
    return course, lesson


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _errors(exc: DomainError) -> dict[str, Any]:
    return {
        "error": exc.message,
        "field_errors": exc.fields if isinstance(exc, InvalidInput) else {},
    }


def _back(request: HttpRequest, default: str) -> HttpResponse:
    return redirect(local_target(request, default))


# --- the course's Q&A ------------------------------------------------------------------------


@login_required
@require_GET
def course_questions(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    sort = request.GET.get("sort", "recent")
    if sort not in queries.QUESTION_SORTS:
        sort = "recent"
    search = " ".join(request.GET.get("q", "").split())[:200]
    lesson_id = _int_or_none(request.GET.get("lesson"))
    rows = queries.course_questions(
        user=request.user, course=course, lesson_id=lesson_id, q=search, sort=sort
    ).select_related("lesson")
    page = page_from_request(request, rows, page_size=PAGE_SIZE)
    return render(
        request,
        "community/questions.html",
        {
            "course": course,
            "page": page,
            "questions": page["items"],
            "sort": sort,
            "search": search,
            "lesson_id": lesson_id,
            "lessons": Lesson.objects.filter(module__course=course).order_by(
                "module__position", "position"
            ),
            "can_post": permissions.is_course_member(request.user, course),
        },
    )


@login_required
@require_POST
def ask_question(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    lesson_id = _int_or_none(request.POST.get("lesson_id"))
    try:
        question = qa.ask(
            user=_user(request),
            course=course,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            lesson_id=lesson_id,
        )
    except DomainError as exc:
        if lesson_id is not None and is_htmx(request):
            lesson = catalog_queries.get_lesson(lesson_id)
            return _qa_tab(request, course, lesson, form=request.POST, **_errors(exc))
        raise
    if question.lesson is not None and is_htmx(request):
        return _qa_tab(request, course, question.lesson, notice="Your question is posted.")
    return redirect("question_detail", slug=course.slug, question_id=question.pk)


def _question_context(request: HttpRequest, question: Question, **extra: Any) -> dict[str, Any]:
    answers = list(queries.question_answers(user=request.user, question=question))
    votes = queries.my_votes(
        request.user, questions=[question.pk], answers=[answer.pk for answer in answers]
    )
    for answer in answers:
        answer.my_vote = votes.get(f"a{answer.pk}", 0)  # type: ignore[attr-defined]
    question.my_vote = votes.get(f"q{question.pk}", 0)  # type: ignore[attr-defined]
    return {
        "course": question.course,
        "question": question,
        "answers": answers,
        "can_post": permissions.is_course_member(request.user, question.course),
        "can_accept": permissions.can_accept_answer(request.user, question),
        "can_change": permissions.can_change_post(request.user, question),
        "user_id": request.user.pk,
        "is_admin": permissions.can_moderate(request.user),
        **extra,
    }


def _question(request: HttpRequest, slug: str, question_id: int) -> Question:
    question = queries.get_question(user=request.user, question_id=question_id)
    if question.course.slug != slug and str(question.course_id) != slug:
        raise Http404("There is no such question in this course.")
    return question


@login_required
@require_GET
def question_detail(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    question = _question(request, slug, question_id)
    return render(request, "community/question.html", _question_context(request, question))


@login_required
@require_POST
def post_answer(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    question = _question(request, slug, question_id)
    try:
        answer = qa.answer(
            user=_user(request), question=question, body=request.POST.get("body", "")
        )
    except InvalidInput as exc:
        context = _question_context(request, question, form=request.POST, **_errors(exc))
        return render(request, "community/question.html", context, status=422)
    url = reverse("question_detail", args=[question.course.slug, question.pk])
    if is_htmx(request):
        question.refresh_from_db()
        return render(
            request,
            "community/partials/answers.html",
            _question_context(request, question, notice="Your answer is posted."),
        )
    return redirect(f"{url}#answer-{answer.pk}")


@login_required
@require_POST
def vote(request: HttpRequest, slug: str, kind: str, item_id: int) -> HttpResponse:
    value = _int_or_none(request.POST.get("value"))
    user = _user(request)
    if kind not in ("question", "answer"):
        raise Http404("Only questions and answers take votes.")
    if kind == "question":
        item: Any = _question(request, slug, item_id)
        votes = qa.vote_question(user=user, question=item, value=value)
        question = item
    else:
        item = queries.get_answer(user=request.user, answer_id=item_id)
        question = item.question
        if question.course.slug != slug:
            raise Http404("There is no such answer in this course.")
        votes = qa.vote_answer(user=user, answer=item, value=value)
    if is_htmx(request):
        item.votes = votes
        item.my_vote = value or 0
        return render(
            request,
            "community/partials/vote.html",
            {"item": item, "kind": kind, "course": question.course},
        )
    return _back(request, reverse("question_detail", args=[question.course.slug, question.pk]))


@login_required
@require_POST
def accept_answer(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    question = _question(request, slug, question_id)
    qa.accept(
        user=_user(request),
        question=question,
        answer_id=_int_or_none(request.POST.get("answer_id")),
    )
    if is_htmx(request):
        question.refresh_from_db()
        return render(
            request, "community/partials/answers.html", _question_context(request, question)
        )
    return redirect("question_detail", slug=question.course.slug, question_id=question.pk)


@login_required
@require_POST
def delete_question(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    question = _question(request, slug, question_id)
    qa.delete_question(user=_user(request), question=question)
    return redirect("course_questions", slug=question.course.slug)


# --- the player's tabs -----------------------------------------------------------------------
# Each tab is a fragment htmx loads into the player; asked for without htmx (no JavaScript,
# or a link opened on its own) it is a page of its own around the same fragment.
TABS = {
    "community/partials/qa_tab.html": ("lesson-qa", "Questions and answers"),
    "community/partials/comments_tab.html": ("lesson-comments", "Comments"),
    "community/partials/notes_tab.html": ("lesson-notes", "My notes"),
}


def _tab(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    if is_htmx(request):
        return render(request, template, context)
    element_id, title = TABS[template]
    page = {**context, "tab_template": template, "tab_id": element_id, "tab_title": title}
    return render(request, "community/lesson_tab_page.html", page)


def _qa_tab(request: HttpRequest, course: Course, lesson: Lesson, **extra: Any) -> HttpResponse:
    """This lesson's questions first, then the rest of the course's latest."""
    here = list(
        queries.course_questions(user=request.user, course=course, lesson_id=lesson.pk)[
            :TAB_QUESTIONS
        ]
    )
    elsewhere = list(
        queries.course_questions(user=request.user, course=course).exclude(lesson_id=lesson.pk)[
            :TAB_QUESTIONS
        ]
    )
    return _tab(
        request,
        "community/partials/qa_tab.html",
        {
            "course": course,
            "lesson": lesson,
            "here": here,
            "elsewhere": elsewhere,
            "can_post": permissions.is_course_member(request.user, course),
            **extra,
        },
    )


@login_required
@require_GET
def lesson_qa(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    course, lesson = _lesson(request, slug, lesson_id)
    return _qa_tab(request, course, lesson)


def _comments_tab(
    request: HttpRequest, course: Course, lesson: Lesson, **extra: Any
) -> HttpResponse:
    return _tab(
        request,
        "community/partials/comments_tab.html",
        {
            "course": course,
            "lesson": lesson,
            "comments": list(queries.lesson_comments(user=request.user, lesson=lesson)),
            "can_post": permissions.is_course_member(request.user, course),
            "user_id": request.user.pk,
            "is_admin": permissions.can_moderate(request.user),
            **extra,
        },
    )


@login_required
def lesson_comments(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    course, lesson = _lesson(request, slug, lesson_id)
    if request.method == "POST":
        try:
            lesson_services.comment(
                user=_user(request),
                lesson=lesson,
                body=request.POST.get("body", ""),
                parent_id=_int_or_none(request.POST.get("parent_id")),
            )
        except InvalidInput as exc:
            return _comments_tab(request, course, lesson, form=request.POST, **_errors(exc))
        if not is_htmx(request):
            return redirect("lesson_comments", slug=course.slug, lesson_id=lesson.pk)
    return _comments_tab(request, course, lesson)


@login_required
@require_POST
def delete_comment(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    comment = queries.get_comment(user=request.user, comment_id=comment_id)
    course, lesson = _lesson(request, slug, comment.lesson_id)
    lesson_services.delete_comment(user=_user(request), comment=comment)
    if is_htmx(request):
        return _comments_tab(request, course, lesson)
    return redirect("lesson_comments", slug=course.slug, lesson_id=lesson.pk)


def _notes_tab(request: HttpRequest, course: Course, lesson: Lesson, **extra: Any) -> HttpResponse:
    return _tab(
        request,
        "community/partials/notes_tab.html",
        {
            "course": course,
            "lesson": lesson,
            "notes": list(queries.my_notes(user=_user(request), lesson=lesson)),
            **extra,
        },
    )


@login_required
def lesson_notes(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    course, lesson = _lesson(request, slug, lesson_id)
    if request.method == "POST":
        try:
            lesson_services.add_note(
                user=_user(request),
                lesson=lesson,
                body=request.POST.get("body", ""),
                seconds=_int_or_none(request.POST.get("seconds")),
            )
        except InvalidInput as exc:
            return _notes_tab(request, course, lesson, form=request.POST, **_errors(exc))
        if not is_htmx(request):
            return redirect("lesson_notes", slug=course.slug, lesson_id=lesson.pk)
    return _notes_tab(request, course, lesson)


@login_required
@require_POST
def delete_note(request: HttpRequest, slug: str, note_id: int) -> HttpResponse:
    note = queries.get_my_note(user=_user(request), note_id=note_id)
    course, lesson = _lesson(request, slug, note.lesson_id)
    lesson_services.delete_note(user=_user(request), note=note)
    if is_htmx(request):
        return _notes_tab(request, course, lesson)
    return _back(request, reverse("lesson_notes", args=[course.slug, lesson.pk]))


@login_required
@require_GET
def my_notes(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    notes = list(queries.my_notes(user=_user(request), course=course))
    return render(request, "community/my_notes.html", {"course": course, "notes": notes})


# --- announcements ---------------------------------------------------------------------------


@login_required
def course_announcements(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    extra: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            lesson_services.announce(
                user=_user(request),
                course=course,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
            )
            return redirect("course_announcements", slug=course.slug)
        except InvalidInput as exc:
            extra = {"form": request.POST, **_errors(exc)}
            status = 422
    page = page_from_request(
        request, queries.course_announcements(user=request.user, course=course), page_size=PAGE_SIZE
    )
    return render(
        request,
        "community/announcements.html",
        {
            "course": course,
            "page": page,
            "announcements": page["items"],
            "can_announce": permissions.can_announce(request.user, course),
            **extra,
        },
        status=status,
    )


# --- the instructor's studio -----------------------------------------------------------------


@login_required
@require_GET
def unanswered_questions(request: HttpRequest) -> HttpResponse:
    page = page_from_request(
        request, queries.unanswered_for_instructor(_user(request)), page_size=PAGE_SIZE
    )
    return render(
        request, "community/studio_unanswered.html", {"page": page, "questions": page["items"]}
    )


# --- authors edit what they wrote ------------------------------------------------------------


@login_required
@require_POST
def edit_post(request: HttpRequest, slug: str, kind: str, item_id: int) -> HttpResponse:
    """A question, an answer or a comment changed by its author (or an admin): the same
    services as PATCH on the API. Bad input comes back as a message on the page."""
    user = _user(request)
    body = request.POST.get("body", "")
    try:
        if kind == "question":
            question = _question(request, slug, item_id)
            qa.edit_question(
                user=user, question=question, title=request.POST.get("title"), body=body
            )
            return redirect("question_detail", slug=question.course.slug, question_id=question.pk)
        if kind == "answer":
            answer = queries.get_answer(user=request.user, answer_id=item_id)
            question = answer.question
            if question.course.slug != slug:
                raise Http404("There is no such answer in this course.")
            qa.edit_answer(user=user, answer=answer, body=body)
            if is_htmx(request):
                question.refresh_from_db()
                return render(
                    request, "community/partials/answers.html", _question_context(request, question)
                )
            url = reverse("question_detail", args=[slug, question.pk])
            return redirect(f"{url}#answer-{answer.pk}")
        if kind == "comment":
            comment = queries.get_comment(user=request.user, comment_id=item_id)
            course, lesson = _lesson(request, slug, comment.lesson_id)
            lesson_services.edit_comment(user=user, comment=comment, body=body)
            if is_htmx(request):
                return _comments_tab(request, course, lesson)
            url = reverse("lesson_comments", args=[slug, lesson.pk])
            return redirect(f"{url}#comment-{comment.pk}")
    except InvalidInput as exc:
        problems = [message for errors in exc.fields.values() for message in errors]
        messages.error(request, " ".join(problems) or exc.message)
        return _back(request, reverse("course_questions", args=[slug]))
    raise Http404("Only questions, answers and comments are edited here.")
