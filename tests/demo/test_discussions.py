"""Demo discussions: written once, by the course's members, with their figures right."""

from io import StringIO

import pytest

from agora.catalog.models import Lesson
from agora.community.models import Announcement, Answer, Comment, Question
from agora.demo import discussions as demo
from tests.accounts.factories import UserFactory
from tests.catalog.factories import LessonFactory, ModuleFactory, enroll
from tests.commerce.factories import published_course

pytestmark = pytest.mark.django_db


def test_questions_answers_comments_and_an_announcement_once():
    owner = UserFactory(email="teacher@agora.test", is_instructor=True, name="Tess Teacher")
    course = published_course(owner=owner)
    LessonFactory(module=ModuleFactory(course=course))
    lesson = (
        Lesson.objects.filter(module__course=course)
        .order_by("module__position", "position")
        .first()
    )
    learners = [UserFactory(email=f"learner{n}@agora.test", name=f"Lee {n}") for n in range(4)]
    for person in learners:
        enroll(person, course)

    demo.seed(log=StringIO().write)
    demo.seed(log=StringIO().write)

    assert Question.objects.filter(course=course).count() == len(demo.QUESTIONS)
    assert Question.objects.filter(lesson=lesson).count() == 1
    answered = Question.objects.exclude(accepted_answer=None)
    assert answered.count() == 2
    for question in Question.objects.all():
        assert question.answers_count == Answer.objects.filter(question=question).count()
        assert question.votes == 1
    assert Answer.objects.filter(by_instructor=True).count() == 2
    assert Comment.objects.filter(lesson=lesson, parent=None).count() == len(demo.COMMENTS)
    reply = Comment.objects.get(parent__isnull=False)
    assert f'href="/people/{learners[0].pk}/"' in reply.body_html
    assert Announcement.objects.filter(course=course).count() == 1
