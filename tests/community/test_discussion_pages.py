"""The discussion pages: the course's Q&A, a question with answers, votes and accepting, the
player's tabs, notes and announcements; members only."""

import pytest

from agora.community.models import Answer, Comment, Note, Question
from tests.accounts.factories import UserFactory
from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, enroll
from tests.community.factories import enrolled_learner
from tests.conftest import HTMX, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(course):
    return LessonFactory(module=ModuleFactory(course=course), title="Knots")


def test_ask_answer_vote_and_accept_through_the_pages(course, lesson, enrolled, instructor):
    learner_page = client_for(enrolled)
    asked = learner_page.post(
        f"/learn/{course.slug}/questions/ask/",
        {"title": "Which knot?", "body": "For a **mooring**", "lesson_id": lesson.pk},
    )
    question = Question.objects.get()
    assert asked.status_code == 302
    assert asked["Location"].endswith(f"/questions/{question.pk}/")
    teacher_page = client_for(instructor)
    answered = teacher_page.post(
        f"/learn/{course.slug}/questions/{question.pk}/answer/",
        {"body": "A bowline."},
        headers=HTMX,
    )
    assert answered.status_code == 200
    assert b"Instructor" in answered.content
    answer = Answer.objects.get()
    voted = learner_page.post(
        f"/learn/{course.slug}/answer/{answer.pk}/vote/", {"value": "1"}, headers=HTMX
    )
    assert voted.status_code == 200
    assert b'aria-pressed="true"' in voted.content
    accepted = learner_page.post(
        f"/learn/{course.slug}/questions/{question.pk}/accept/",
        {"answer_id": answer.pk},
        headers=HTMX,
    )
    assert b"Accepted answer" in accepted.content
    page = learner_page.get(f"/learn/{course.slug}/questions/{question.pk}/")
    assert page.status_code == 200
    assert b"<strong>mooring</strong>" in page.content
    listing = learner_page.get(f"/learn/{course.slug}/questions/?sort=votes&q=knot")
    assert b"Which knot?" in listing.content
    assert client_for(instructor).get("/studio/questions/").status_code == 200


def test_player_tabs_comments_and_notes(course, lesson, enrolled):
    page = client_for(enrolled)
    player = page.get(f"/learn/{course.slug}/lessons/{lesson.pk}/")
    assert b'id="lesson-qa"' in player.content
    assert b'id="lesson-notes"' in player.content
    assert (
        page.get(f"/learn/{course.slug}/lessons/{lesson.pk}/qa/", headers=HTMX).status_code == 200
    )
    commented = page.post(
        f"/learn/{course.slug}/lessons/{lesson.pk}/comments/", {"body": "Nice"}, headers=HTMX
    )
    assert commented.status_code == 200
    assert b"Nice" in commented.content
    assert Comment.objects.count() == 1
    noted = page.post(
        f"/learn/{course.slug}/lessons/{lesson.pk}/notes/",
        {"body": "Remember", "seconds": "75"},
        headers=HTMX,
    )
    assert b"1:15" in noted.content
    assert Note.objects.get().seconds == 75
    assert b"Remember" in page.get(f"/learn/{course.slug}/notes/").content
    other = client_for(enrolled_learner(course))
    assert b"Remember" not in other.get(f"/learn/{course.slug}/notes/").content


def test_announcements_page(course, enrolled, instructor):
    teacher = client_for(instructor)
    posted = teacher.post(
        f"/learn/{course.slug}/announcements/", {"title": "Live Q&A", "body": "Friday"}
    )
    assert posted.status_code == 302
    assert (
        b"Live Q&amp;A" in client_for(enrolled).get(f"/learn/{course.slug}/announcements/").content
    )


def test_outsiders_are_refused(course, lesson):
    outsider = client_for(UserFactory())
    assert outsider.get(f"/learn/{course.slug}/questions/").status_code == 403
    assert outsider.get(f"/learn/{course.slug}/lessons/{lesson.pk}/comments/").status_code == 403
    anonymous = client_for()
    assert anonymous.get(f"/learn/{course.slug}/questions/").status_code == 302


def test_authors_edit_on_the_page_and_others_cannot(course, lesson, enrolled):
    question = Question.objects.create(course=course, author=enrolled, title="Old", body="Old")
    mine = client_for(enrolled)
    mine.post(
        f"/learn/{course.slug}/question/{question.pk}/edit/",
        {"title": "New title", "body": "New *body*"},
    )
    question.refresh_from_db()
    assert question.title == "New title"
    assert "<em>body</em>" in question.body_html
    other = client_for(enrolled_learner(course))
    refused = other.post(f"/learn/{course.slug}/question/{question.pk}/edit/", {"body": "Mine"})
    assert refused.status_code == 403
    comment = Comment.objects.create(lesson=lesson, course=course, author=enrolled, body="Hi")
    edited = mine.post(
        f"/learn/{course.slug}/comment/{comment.pk}/edit/", {"body": "Hello"}, headers=HTMX
    )
    assert b"Hello" in edited.content
    empty = mine.post(f"/learn/{course.slug}/comment/{comment.pk}/edit/", {"body": " "})
    assert empty.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Hello"


def test_the_tabs_are_pages_of_their_own_without_javascript(course, lesson, enrolled):
    page = client_for(enrolled)
    for path, title in (
        ("qa", b"<h1>Questions and answers</h1>"),
        ("comments", b"<h1>Comments</h1>"),
        ("notes", b"<h1>My notes</h1>"),
    ):
        response = page.get(f"/learn/{course.slug}/lessons/{lesson.pk}/{path}/")
        assert response.status_code == 200
        assert title in response.content
        assert b"<!doctype html>" in response.content
    posted = page.post(f"/learn/{course.slug}/lessons/{lesson.pk}/comments/", {"body": "No JS"})
    assert posted.status_code == 302
    assert posted["Location"] == f"/learn/{course.slug}/lessons/{lesson.pk}/comments/"


def test_a_comment_is_not_deleted_through_another_courses_address(course, lesson, enrolled):
    comment = Comment.objects.create(lesson=lesson, course=course, author=enrolled, body="Hi")
    other = CourseFactory()
    enroll(enrolled, other)
    response = client_for(enrolled).post(f"/learn/{other.slug}/comments/{comment.pk}/delete/")
    assert response.status_code == 404
    comment.refresh_from_db()
    assert comment.deleted_at is None
